// Python 3's rounding, reproduced exactly: the original RealMap rounded every score with
// Python's round(), and realmap must give the same numbers for the same inputs.
//
// Python rounds the *binary* value of a float, ties to even.  So round(62.5) == 62 and
// round(63.5) == 64 (62.5 and 63.5 are exact doubles: real ties), but 0.35 * 90 is
// 31.499999999999996 in binary and rounds to 31, and round(2.675, 2) == 2.67 because the
// double nearest to 2.675 is 2.67499999999999982236431605997495353221893310546875.
// std::round (ties away from zero) would give 63, 32 and 2.68 for these.
#pragma once

namespace realmap::scoring {

// Python's round(x) for a finite x: the integral value nearest to x's exact binary value,
// ties to the even neighbour.  NaN and infinities come back unchanged (Python raises).
double python_round(double x);

// Python's round(x, ndigits) for 0 <= ndigits <= 15: the exact decimal expansion of x is
// rounded at the ndigits-th decimal, ties to even, and the result is the double nearest
// to that decimal (what float(decimal) gives).  std::invalid_argument for other ndigits.
double python_round(double x, int ndigits);

// The original's clamp for a score: int(max(0, min(100, round(x)))).
int clamp_score(double x);

}  // namespace realmap::scoring
