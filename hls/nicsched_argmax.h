// SPDX-License-Identifier: MIT
// nicsched HLS library: argmax head (DESIGN.md section 3): the index of the largest score, the
// lowest index on a tie.
//
// A balanced tree of compare-selects (ceil(log2 n) levels, not a chain of n - 1): at each level
// the candidate at i meets the candidate at i + stride, the lower-index group is always on the
// left, and the right one wins only when it is strictly larger, so ties keep the lower index.

#ifndef NICSCHED_ARGMAX_H
#define NICSCHED_ARGMAX_H

#include "nicsched_types.h"

namespace nicsched {

template <class score_T, unsigned N, class index_T>
index_T argmax(const score_T scores[N]) {
    NICSCHED_HLS(INLINE)
    score_T best[N];
    index_T where[N];
    NICSCHED_HLS(ARRAY_PARTITION variable=best complete)
    NICSCHED_HLS(ARRAY_PARTITION variable=where complete)
    for (unsigned i = 0; i < N; i++) {
        NICSCHED_HLS(UNROLL)
        best[i] = scores[i];
        where[i] = i;
    }
    for (unsigned stride = 1; stride < N; stride *= 2) {
        NICSCHED_HLS(UNROLL)
        for (unsigned i = 0; i + stride < N; i += 2 * stride) {
            NICSCHED_HLS(UNROLL)
            if (best[i + stride] > best[i]) {
                best[i] = best[i + stride];
                where[i] = where[i + stride];
            }
        }
    }
    return where[0];
}

} // namespace nicsched

#endif
