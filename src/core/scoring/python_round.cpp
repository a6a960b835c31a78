#include "core/scoring/python_round.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace realmap::scoring {

namespace {

// Half-even rounding of a non-negative finite double to an integral value.  For x >= 1,
// floor(x) >= x/2, so x - floor(x) is exact (Sterbenz); for x < 1, floor(x) == 0.  The
// comparison with 0.5 is therefore made on the exact fraction, never on a rounded one.
double round_half_even_nonnegative(double x) {
    double whole = std::floor(x);
    double fraction = x - whole;
    if (fraction > 0.5) return whole + 1.0;
    if (fraction < 0.5) return whole;
    return std::fmod(whole, 2.0) == 0.0 ? whole : whole + 1.0;
}

using u128 = unsigned __int128;

u128 pow10_u128(int n) {
    u128 p = 1;
    for (int i = 0; i < n; ++i) p *= 10;
    return p;
}

std::string u128_to_decimal(u128 v) {
    if (v == 0) return "0";
    std::string digits;
    while (v != 0) {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    }
    return digits;
}

}  // namespace

double python_round(double x) {
    if (!std::isfinite(x)) return x;
    // Python's round is symmetric: round(-2.5) == -2.
    return std::copysign(round_half_even_nonnegative(std::fabs(x)), x);
}

double python_round(double x, int ndigits) {
    if (ndigits < 0 || ndigits > 15)
        throw std::invalid_argument("python_round: ndigits must be between 0 and 15");
    if (!std::isfinite(x) || x == 0.0) return x;

    // |x| = mantissa * 2^exponent exactly, with an integral mantissa below 2^53.
    int binary_exponent = 0;
    double fraction = std::frexp(std::fabs(x), &binary_exponent);  // in [0.5, 1)
    auto mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 53));
    int exponent = binary_exponent - 53;
    if (exponent >= 0) return x;  // an integer: nothing below the decimal point

    // |x| * 10^ndigits = scaled / 2^shift exactly; round that to an integer, ties to even.
    // scaled < 2^53 * 10^15 < 2^103, so it fits in 128 bits.
    u128 scaled = static_cast<u128>(mantissa) * pow10_u128(ndigits);
    int shift = -exponent;
    u128 quotient = 0;
    if (shift < 127) {
        quotient = scaled >> shift;
        u128 remainder = scaled - (quotient << shift);
        u128 half = static_cast<u128>(1) << (shift - 1);
        if (remainder > half || (remainder == half && (quotient & 1) != 0)) ++quotient;
    }
    // else: scaled < 2^103 < half, the value rounds to 0.

    double magnitude;
    if (quotient < (static_cast<u128>(1) << 53)) {
        // Both operands are exact doubles: IEEE division gives the correctly rounded
        // quotient, the same double as parsing the decimal string.
        magnitude = static_cast<double>(quotient) / static_cast<double>(pow10_u128(ndigits));
    } else {
        std::string text = u128_to_decimal(quotient) + "e-" + std::to_string(ndigits);
        std::from_chars(text.data(), text.data() + text.size(), magnitude);
    }
    return std::copysign(magnitude, x);
}

int clamp_score(double x) {
    double r = python_round(x);
    if (!(r > 0.0)) return 0;  // also NaN: a missing value scores the floor
    if (r > 100.0) return 100;
    return static_cast<int>(r);
}

}  // namespace realmap::scoring
