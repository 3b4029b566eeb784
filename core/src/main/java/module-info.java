/**
 * vmap4j's core: the public API ({@code org.vmap4j}), the Backend SPI ({@code org.vmap4j.backend})
 * and the loop-level kernel description ({@code org.vmap4j.kernel}) are exported to everyone; the
 * internals are exported only to the vmap4j modules that use them. docs/design.md, "Module
 * boundaries", says what each qualified export is for and what holds on the class path (Spark,
 * jshell), where this descriptor is ignored.
 */
module org.vmap4j.core {
  // Optional: VectorGemm is only loaded when the JVM has the module (Gemm.VECTOR_API).
  requires static jdk.incubator.vector;
  // Janino compiles the CPU kernels at run time. Its jars name no module: these are the names
  // derived from the jar files (janino-3.1.9.jar, commons-compiler-3.1.9.jar).
  requires janino;
  requires commons.compiler;

  exports org.vmap4j;
  exports org.vmap4j.backend;
  exports org.vmap4j.kernel;
  // Programs are public: Func.trace and Func.jit return them, users print and serialize them.
  exports org.vmap4j.ir;
  exports org.vmap4j.interpreter to
      org.vmap4j.nn;
  exports org.vmap4j.prim to
      org.vmap4j.nn;

  uses org.vmap4j.backend.Backend;
}
