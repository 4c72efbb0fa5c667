// SPDX-License-Identifier: MIT
// nicsched HLS library: types, the pragma macro, and the integer <-> ap_fixed mapping.
//
// Numbers follow DESIGN.md section 3. A format {bits, frac, signed} holds an integer q whose
// value is q * 2^-frac. Here that is an ap_fixed (signed) or ap_ufixed (unsigned) with
//
//     W = bits,  I = bits - frac     (W - I = frac fractional bits)
//
// so the W raw bits of the ap_fixed ARE the two's-complement (or unsigned) bits of q, for any frac:
// frac < 0 gives I > W (q counts multiples of 2^-frac), frac > W gives I < 0. to_raw() and
// from_raw() below move between q and the ap_fixed through those raw bits, never through a float.
//
// Only <ap_int.h> and <ap_fixed.h> are used (the Apache-2.0 Xilinx headers; scripts/setup-hls.sh
// fetches them for g++). Never hls_stream.h or ap_shift_reg.h.

#ifndef NICSCHED_TYPES_H
#define NICSCHED_TYPES_H

// The vendor headers read a default-constructed value's uninitialized bits (ap_private's
// clearUnusedBits()). GCC reports that at -O2 even though the headers come in with -isystem,
// because the code is inlined into ours. Silence exactly those two warnings, for exactly those
// headers; our own code keeps every warning.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__SYNTHESIS__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <ap_int.h>
#include <ap_fixed.h>
#pragma GCC diagnostic pop
#else
#include <ap_int.h>
#include <ap_fixed.h>
#endif

// NICSCHED_HLS(directive) is `#pragma HLS directive` when Vitis HLS synthesizes the code
// (__SYNTHESIS__), and nothing in C simulation: g++ would otherwise warn about every HLS pragma
// (-Wunknown-pragmas is part of -Wall). UG1399 documents this _Pragma form. Macro arguments are
// expanded first, so NICSCHED_HLS(PIPELINE II=NICSCHED_REUSE) sees the number.
#ifdef __SYNTHESIS__
#define NICSCHED_PRAGMA(text) _Pragma(#text)
#define NICSCHED_HLS(directive) NICSCHED_PRAGMA(HLS directive)
#else
#define NICSCHED_HLS(directive)
#endif

namespace nicsched {

// How a dense layer maps onto hardware (the layer config's `strategy`).
enum strategy_t {
    // Every multiplication has its own multiplier; the layer accepts an input every cycle.
    latency,
    // Each multiplier is reused `reuse_factor` times: ceil(n_in / reuse) multipliers per unit,
    // weights in ROM banks, a new input every reuse_factor cycles.
    resource
};

enum activation_t { linear, relu };

// ---- integer q <-> ap_fixed ------------------------------------------------------------------

// The integer q an ap_fixed holds (its raw bits, sign-extended).
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
long long to_raw(const ap_fixed<W, I, Q, O, N> &x) {
    ap_int<W> bits;
    bits.range() = x.range();
    return bits.to_int64();
}

// The integer q an ap_ufixed holds (its raw bits, zero-extended).
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
long long to_raw(const ap_ufixed<W, I, Q, O, N> &x) {
    ap_uint<W> bits;
    bits.range() = x.range();
    return static_cast<long long>(bits.to_uint64());
}

// The integers a format holds: [-2^(W-1), 2^(W-1) - 1] signed, [0, 2^W - 1] unsigned.
template <class fixed_T>
struct raw_range;

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct raw_range<ap_fixed<W, I, Q, O, N> > {
    static long long min() { return -(1LL << (W - 1)); }
    static long long max() { return (1LL << (W - 1)) - 1; }
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct raw_range<ap_ufixed<W, I, Q, O, N> > {
    static long long min() { return 0; }
    static long long max() { return (1LL << W) - 1; }
};

template <class fixed_T>
bool raw_fits(long long q) {
    return q >= raw_range<fixed_T>::min() && q <= raw_range<fixed_T>::max();
}

// The ap_fixed whose raw bits are q (q must fit: see raw_fits).
template <class fixed_T>
fixed_T from_raw(long long q) {
    fixed_T x = 0;
    x.range() = ap_int<fixed_T::width>(q);
    return x;
}

} // namespace nicsched

#endif
