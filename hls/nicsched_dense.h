// SPDX-License-Identifier: MIT
// nicsched HLS library: one dense layer (DESIGN.md section 3).
//
//   acc[j] = sum_i x[i] * w[j][i] + b[j]         at acc.frac = in.frac + w.frac, exact
//   y[j]   = requantize(relu ? max(acc[j], 0) : acc[j])      (nicsched_activation.h)
//
// Every product x * w is exact in ap_fixed arithmetic (the product type has W1 + W2 bits) and has
// the accumulator's frac, so adding it to accum_t never rounds. accum_t has the IR's accumulator
// width, derived from worst-case bounds: the full sum never overflows, and neither does any partial
// sum (each lies between the bounds of the full one, because 0 is in every format's range), so
// the order of the additions does not matter. The two strategies compute the same integers.
//
// A layer config (generated, one per layer) provides:
//   n_in, n_out                  shape
//   reuse_factor                 multiplications per multiplier; the layer's initiation interval
//   mults_per_unit, multipliers  ceil(n_in / reuse_factor), n_out * mults_per_unit
//   strategy                     latency (reuse_factor 1) or resource (reuse_factor > 1)
//   activation                   relu or linear
//   input_t, weight_t, bias_t, accum_t, output_t   (output_t with AP_RND, AP_SAT)

#ifndef NICSCHED_DENSE_H
#define NICSCHED_DENSE_H

#include "nicsched_activation.h"
#include "nicsched_types.h"

namespace nicsched {

// x * w, exactly, at accumulator scale.
template <class CONFIG_T>
typename CONFIG_T::accum_t product(const typename CONFIG_T::input_t &x, const typename CONFIG_T::weight_t &w) {
    NICSCHED_HLS(INLINE)
    return typename CONFIG_T::accum_t(x * w);
}

// Latency strategy: n_in * n_out multipliers by constants, all in parallel. The weights are
// partitioned into registers/constants; the enclosing pipeline (the top's PIPELINE II) schedules
// the adder trees.
template <class CONFIG_T>
void dense_latency(const typename CONFIG_T::input_t data[CONFIG_T::n_in],
                   typename CONFIG_T::accum_t acc[CONFIG_T::n_out],
                   const typename CONFIG_T::weight_t weights[CONFIG_T::n_out][CONFIG_T::n_in],
                   const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    NICSCHED_HLS(INLINE)
    NICSCHED_HLS(ARRAY_PARTITION variable=weights complete dim=0)
    NICSCHED_HLS(ARRAY_PARTITION variable=bias complete)
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NICSCHED_HLS(UNROLL)
        typename CONFIG_T::accum_t sum = bias[j];
        for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
            NICSCHED_HLS(UNROLL)
            sum += product<CONFIG_T>(data[i], weights[j][i]);
        }
        acc[j] = sum;
    }
}

// Resource strategy: time-multiplexed multipliers, as the RTL does. Unit j has mults_per_unit
// multipliers; in step r (0 <= r < reuse_factor) multiplier k of unit j multiplies input
// i = r * mults_per_unit + k. The weights sit in ROM banks, partitioned cyclically by
// mults_per_unit along the inputs, so bank k holds exactly the weights multiplier k needs, one per
// step (address r). The function is pipelined with II = reuse_factor and limited to `multipliers`
// multipliers, so each one is shared reuse_factor times.
template <class CONFIG_T>
void dense_resource(const typename CONFIG_T::input_t data[CONFIG_T::n_in],
                    typename CONFIG_T::accum_t acc[CONFIG_T::n_out],
                    const typename CONFIG_T::weight_t weights[CONFIG_T::n_out][CONFIG_T::n_in],
                    const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    NICSCHED_HLS(INLINE off)
    NICSCHED_HLS(PIPELINE II=CONFIG_T::reuse_factor)
    NICSCHED_HLS(ALLOCATION operation instances=mul limit=CONFIG_T::multipliers)
    NICSCHED_HLS(ARRAY_PARTITION variable=weights complete dim=1)
    NICSCHED_HLS(ARRAY_PARTITION variable=weights cyclic factor=CONFIG_T::mults_per_unit dim=2)
    NICSCHED_HLS(ARRAY_PARTITION variable=bias complete)
    typename CONFIG_T::accum_t sum[CONFIG_T::n_out];
    NICSCHED_HLS(ARRAY_PARTITION variable=sum complete)
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NICSCHED_HLS(UNROLL)
        sum[j] = bias[j];
    }
    // Step r of reuse_factor: every multiplier of every unit does one multiplication.
    for (unsigned r = 0; r < CONFIG_T::reuse_factor; r++) {
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
            NICSCHED_HLS(UNROLL)
            for (unsigned k = 0; k < CONFIG_T::mults_per_unit; k++) {
                NICSCHED_HLS(UNROLL)
                const unsigned i = r * CONFIG_T::mults_per_unit + k;
                if (i < CONFIG_T::n_in) sum[j] += product<CONFIG_T>(data[i], weights[j][i]);
            }
        }
    }
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NICSCHED_HLS(UNROLL)
        acc[j] = sum[j];
    }
}

// One layer: accumulate with the configured strategy, then activation and requantize.
template <class CONFIG_T>
void dense(const typename CONFIG_T::input_t data[CONFIG_T::n_in],
           typename CONFIG_T::output_t res[CONFIG_T::n_out],
           const typename CONFIG_T::weight_t weights[CONFIG_T::n_out][CONFIG_T::n_in],
           const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    NICSCHED_HLS(INLINE)
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
    NICSCHED_HLS(ARRAY_PARTITION variable=acc complete)
    if (CONFIG_T::strategy == resource) {
        dense_resource<CONFIG_T>(data, acc, weights, bias);
    } else {
        dense_latency<CONFIG_T>(data, acc, weights, bias);
    }
    activate<CONFIG_T>(acc, res);
}

} // namespace nicsched

#endif
