"""Reference values of erf for ErfTest, from mpmath at 200 bits, rounded to the nearest double.

Run with /usr/bin/python3 (mpmath 1.2) from the repository root:
    /usr/bin/python3 core/src/test/erf/erf_reference.py
It rewrites core/src/test/resources/org/vmap4j/erf/erf_reference.txt: one "x erf(x)" pair a line,
both as Python's repr (which reads back as the same double in Java's Double.parseDouble).
"""
import random

import mpmath

mpmath.mp.prec = 200
random.seed(17)
xs = [0.0, -0.0, 1.0, -1.0, 6.0, 5.9, 1e-300, 5e-324, -5e-324, 2.2250738585072014e-308, 27.0]
xs += [random.uniform(-7.0, 7.0) for _ in range(2000)]
xs += [random.uniform(0.5, 3.5) for _ in range(1500)]  # where the two expansions meet
xs += [random.uniform(0.999, 1.001) for _ in range(200)]  # the switch itself
xs += [10.0 ** random.uniform(-323.0, 0.0) for _ in range(500)]  # tiny and subnormal
with open("core/src/test/resources/org/vmap4j/erf/erf_reference.txt", "w") as f:
    for x in xs:
        f.write("%r %r\n" % (x, float(mpmath.erf(mpmath.mpf(x)))))
