#!/usr/bin/env bash
# The three renames of issue 16 (Architecture), as a script rather than commits: several people
# edit the same files in parallel, so the renames are applied once, on the merged main, by running
#
#     scripts/architecture-renames.sh            # at the repository root, on a clean work tree
#
# and committing the result. It performs, with git mv and sed (perl for the two multi-line edits):
#
#   1. core.TensorType -> org.vmap4j.TensorType. Tensor.type() returns it, so it belongs to the
#      public package (org.vmap4j is exported; org.vmap4j.core is not).
#   2. The custom-rule type. Func.DerivativeRule (public, org.vmap4j) was an empty interface
#      extending transforms.Autodiff.CustomRule, which declared apply(x, y, g): the public type's
#      only method lived in an internal package. Func.DerivativeRule now declares apply itself and
#      Autodiff.CustomRule is removed; the transforms take Func.DerivativeRule. One type, under the
#      public name users already write (a second top-level type would give the rule two names).
#   3. The package org.vmap4j.core (in module org.vmap4j.core) -> org.vmap4j.interpreter: what is
#      left in it is the primitive contract (Primitive, SingleResultPrimitive, SubProgramPrimitive,
#      Params) and the interpreter stack that binds primitives (Interpreters.bind, Trace, Tracer,
#      MainTrace), with the helpers its rules share (BatchRules, Batched, Tangents, Shapes,
#      ProgramRunner). The module keeps its name: module-info's "module org.vmap4j.core" and every
#      "requires org.vmap4j.core" are left alone; "exports org.vmap4j.core to" is renamed.
#
# Every tracked text file that names these (Java in all modules, module-info.java, docs, Scala and
# jshell scripts) is updated. Then google-java-format (spotless:apply) sorts the imports it added.
# Environment: MVN_FLAGS (e.g. "-o" for offline) is passed to ./mvnw; SKIP_FORMAT=1 skips it.
# Re-running it on a tree where it has already run prints so and changes nothing.
set -euo pipefail

OLD_PKG=org.vmap4j.core
NEW_PKG=org.vmap4j.interpreter
OLD_DIR=org/vmap4j/core
NEW_DIR=org/vmap4j/interpreter
CORE_MAIN=core/src/main/java/org/vmap4j
SELF=scripts/architecture-renames.sh

die() {
  echo "architecture-renames: $*" >&2
  exit 1
}

[[ -f pom.xml && -d core/src/main/java/org/vmap4j ]] \
  || die "run it at the repository root of vmap4j (no core/src/main/java/org/vmap4j here)"
if [[ -d $CORE_MAIN/interpreter && ! -d $CORE_MAIN/core ]]; then
  echo "architecture-renames: already applied ($CORE_MAIN/interpreter exists, $CORE_MAIN/core does not)"
  exit 0
fi
[[ -f $CORE_MAIN/core/TensorType.java ]] || die "$CORE_MAIN/core/TensorType.java is missing"
[[ -e $CORE_MAIN/interpreter ]] && die "$CORE_MAIN/interpreter exists already: resolve by hand"
[[ -e $CORE_MAIN/TensorType.java ]] && die "$CORE_MAIN/TensorType.java exists already"
FUNC=$CORE_MAIN/Func.java
AUTODIFF=$CORE_MAIN/transforms/Autodiff.java
grep -q 'public interface DerivativeRule extends Autodiff.CustomRule {}' "$FUNC" \
  || die "$FUNC no longer declares 'public interface DerivativeRule extends Autodiff.CustomRule {}': edit by hand"
# Autodiff.CustomRule with its javadoc and @FunctionalInterface (a perl regular expression)
CUSTOM_RULE_BLOCK='\n  \/\*\*(?:(?!\*\/).)*?\*\/\n  \@FunctionalInterface\n  public interface CustomRule \{\n.*?\n  \}\n'
perl -0ne "exit(/$CUSTOM_RULE_BLOCK/s ? 0 : 1)" "$AUTODIFF" \
  || die "$AUTODIFF no longer declares CustomRule as a javadoc, @FunctionalInterface and '  public interface CustomRule {': edit by hand"
if [[ -n "$(git status --porcelain --untracked-files=no)" && "${ALLOW_DIRTY:-0}" != 1 ]]; then
  die "the work tree has uncommitted changes (commit them, or set ALLOW_DIRTY=1)"
fi
# Everything above only reads; from here on the tree changes.

# Tracked text files that may name what moves (the script itself excluded).
files_naming() {
  git grep -lIE "$1" -- . ":(exclude)$SELF" || true
}

# The same among code (Java, Scala, jshell): prose in docs that names a type being removed is
# history, not a reference.
code_naming() {
  git grep -lIE "$1" -- '*.java' '*.scala' '*.jsh' || true
}

# Java files whose package is $1 (main and test sources of every module).
files_in_package() {
  git grep -lE "^package $1;" -- '*.java' || true
}

# Adds "import $2;" after the package line of Java file $1 unless it imports it already.
add_import() {
  grep -qE "^import $2;" "$1" || sed -i "0,/^package .*;/s//&\n\nimport $2;/" "$1"
}

# The classes of the old package, before anything moves (TensorType included).
mapfile -t OLD_CLASSES < <(cd "$CORE_MAIN/core" && ls -- *.java | sed 's/\.java$//')

# ---------------------------------------------------------------- 1. TensorType -> org.vmap4j
echo "1. TensorType -> org.vmap4j.TensorType"
git mv "$CORE_MAIN/core/TensorType.java" "$CORE_MAIN/TensorType.java"
sed -i -e "s/^package $OLD_PKG;/package org.vmap4j;/" -e '/^import org\.vmap4j\.[A-Z][A-Za-z0-9_]*;$/d' \
  "$CORE_MAIN/TensorType.java"
# what TensorType used from its old package unqualified now needs an import
for c in "${OLD_CLASSES[@]}"; do
  [[ $c == TensorType ]] && continue
  if grep -qE "\\b$c\\b" "$CORE_MAIN/TensorType.java"; then
    add_import "$CORE_MAIN/TensorType.java" "$OLD_PKG.$c"
  fi
done
# classes left in the old package used it unqualified
for f in $(files_in_package "${OLD_PKG//./\\.}"); do
  if grep -qE '\bTensorType\b' "$f"; then
    add_import "$f" org.vmap4j.TensorType
  fi
done
for f in $(files_naming 'org[./]vmap4j[./]core[./]TensorType\b'); do
  sed -i -E -e 's/org\.vmap4j\.core\.TensorType\b/org.vmap4j.TensorType/g' \
    -e 's#org/vmap4j/core/TensorType\b#org/vmap4j/TensorType#g' "$f"
done
# an import of a class of one's own package is noise
for f in $(files_in_package 'org\.vmap4j'); do
  sed -i '/^import org\.vmap4j\.TensorType;$/d' "$f"
done

# ---------------------------------------------------------------- 2. one custom-rule type
echo "2. Autodiff.CustomRule -> Func.DerivativeRule (declares apply itself)"
perl -0pi -e 's/  public interface DerivativeRule extends Autodiff\.CustomRule \{\}/  public interface DerivativeRule {\n    \/** The cotangent of x (customVjp) or the tangent of y (customJvp), given x, y = f(x) and g. *\/\n    Tensor apply(Tensor x, Tensor y, Tensor g);\n  }/' "$FUNC"
perl -0pi -e "s/$CUSTOM_RULE_BLOCK//s" "$AUTODIFF"
grep -q 'interface CustomRule' "$AUTODIFF" && die "could not remove CustomRule from $AUTODIFF: edit by hand"
for f in $(code_naming '\bCustomRule\b'); do
  if [[ $f == *.java ]] && grep -q 'Autodiff\.CustomRule' "$f" && ! grep -qE '^package org\.vmap4j;' "$f"; then
    add_import "$f" org.vmap4j.Func
  fi
  sed -i -E 's/\bAutodiff\.CustomRule\b/Func.DerivativeRule/g' "$f"
  if [[ $f == *.java ]] && grep -qE '(^|[^.A-Za-z])CustomRule\b' "$f"; then
    sed -i -E 's/(^|[^.A-Za-z])CustomRule\b/\1DerivativeRule/g' "$f"
    add_import "$f" org.vmap4j.Func.DerivativeRule
  fi
done

# ---------------------------------------------------------------- 3. org.vmap4j.core -> interpreter
echo "3. package $OLD_PKG -> $NEW_PKG"
for d in $(git ls-files | grep -E "/src/[a-z]+/java/$OLD_DIR/" | sed -E "s#(/src/[a-z]+/java/$OLD_DIR)/.*#\\1#" | sort -u); do
  git mv "$d" "${d%/$OLD_DIR}/$NEW_DIR"
done
for f in $(files_naming 'org[./]vmap4j[./]core\b'); do
  sed -i -E \
    -e "s/\\borg\\.vmap4j\\.core\\.([A-Za-z_*{])/$NEW_PKG.\\1/g" \
    -e "s/^package org\\.vmap4j\\.core;/package $NEW_PKG;/" \
    -e "s/\\b(exports|opens) org\\.vmap4j\\.core\\b/\\1 $NEW_PKG/g" \
    -e "s#\\borg/vmap4j/core/#$NEW_DIR/#g" \
    -e "s/package \`org\\.vmap4j\\.core\`/package \`$NEW_PKG\`/g" \
    -e "s/\`org\\.vmap4j\\.core\` package/\`$NEW_PKG\` package/g" \
    "$f"
done

# ---------------------------------------------------------------- format and check
if [[ "${SKIP_FORMAT:-0}" != 1 ]]; then
  echo "formatting (spotless:apply): sorts the imports added above"
  # shellcheck disable=SC2086
  ./mvnw -B -q ${MVN_FLAGS:-} spotless:apply
fi
left=$(
  git grep -nE "org\\.vmap4j\\.core\\.[A-Za-z]|^package org\\.vmap4j\\.core;|exports org\\.vmap4j\\.core\\b|org/vmap4j/core/" -- . ":(exclude)$SELF" || true
  git grep -nE "Autodiff\\.CustomRule" -- '*.java' '*.scala' '*.jsh' || true
)
if [[ -n $left ]]; then
  echo "architecture-renames: these still name the old package or type (edit by hand):" >&2
  echo "$left" >&2
  exit 1
fi
echo "done. Check with: ./mvnw -B -o -q test-compile   (then commit: git add -A && git commit)"
git status --short | sed -n '1,400p' | awk '{print $1}' | sort | uniq -c
