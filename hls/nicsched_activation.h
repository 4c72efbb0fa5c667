// SPDX-License-Identifier: MIT
// nicsched HLS library: activation and requantize (DESIGN.md section 3).
//
//   a = relu ? max(acc, 0) : acc
//   r = requantize(a) to the output format, s = acc.frac - out.frac:
//       s > 0:  floor((a + 2^(s-1)) / 2^s)      round half toward +inf
//       s <= 0: a * 2^-s                         exact
//       then saturate to the output range
//
// That is exactly an assignment to ap_fixed<W, I, AP_RND, AP_SAT> (or ap_ufixed): AP_RND adds half
// an output LSB and truncates toward -inf (ties go up, also for negative values), AP_SAT clamps to
// the output range after rounding. The layer config's output_t carries those modes.

#ifndef NICSCHED_ACTIVATION_H
#define NICSCHED_ACTIVATION_H

#include "nicsched_types.h"

namespace nicsched {

template <class accum_T>
accum_T apply_relu(const accum_T &acc) {
    NICSCHED_HLS(INLINE)
    return acc < 0 ? accum_T(0) : acc;
}

// The accumulator type requantize() reads from. A shift past the accumulator's MSB (s > W, only
// possible with tiny accumulators and a very coarse output) must round from bits above the MSB;
// ap_fixed's C model asserts there instead of sign-extending, so widen first. Sign extension is
// exact and costs nothing in hardware; for every other layer the type is the accumulator itself.
template <class accum_T, class res_T>
struct requantize_source {
    static const int acc_frac = accum_T::width - accum_T::iwidth;
    static const int res_frac = res_T::width - res_T::iwidth;
    static const int shift = acc_frac - res_frac;
    static const int guard = shift > accum_T::width ? shift - accum_T::width : 0;
    typedef ap_fixed<accum_T::width + guard, accum_T::iwidth + guard> type;
};

// Round half toward +inf and saturate, by the ap_fixed assignment (res_T has AP_RND, AP_SAT).
template <class res_T, class accum_T>
res_T requantize(const accum_T &value) {
    NICSCHED_HLS(INLINE)
    typedef typename requantize_source<accum_T, res_T>::type source_t;
    const source_t exact = value;
    const res_T result = exact;
    return result;
}

// acc -> activation -> requantize for every unit of a layer.
template <class CONFIG_T>
void activate(const typename CONFIG_T::accum_t acc[CONFIG_T::n_out], typename CONFIG_T::output_t res[CONFIG_T::n_out]) {
    NICSCHED_HLS(INLINE)
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NICSCHED_HLS(UNROLL)
        const typename CONFIG_T::accum_t a = CONFIG_T::activation == relu ? apply_relu(acc[j]) : acc[j];
        res[j] = requantize<typename CONFIG_T::output_t>(a);
    }
}

} // namespace nicsched

#endif
