// SPDX-License-Identifier: GPL-2.0
//
// The generated register map of the policy this card was built for (nicsched regmap --format c),
// made includable from C++, plus the bus it is reached through. Every offset, field and size the
// card uses comes from here, never from a hand-typed number.
#ifndef NICSCHED_CARD_REGS_H
#define NICSCHED_CARD_REGS_H

#include <cstdint>

// The generated header checks its layout with C11's _Static_assert; C++ spells it static_assert.
#define _Static_assert static_assert
#include "nicsched_regs.h"
#undef _Static_assert

#include "nicsched_bus.h"

namespace card {

// The register window: BAR0 is exactly this big (a power of two).
constexpr uint32_t kWindowBytes = uint32_t{1} << NICSCHED_ADDR_WIDTH;
static_assert(NICSCHED_ADDR_WIDTH >= 12 && NICSCHED_ADDR_WIDTH <= 31, "BAR0 must be 4 KiB .. 2 GiB");
static_assert(NICSCHED_MAP_SIZE <= kWindowBytes, "the register map fits the window");

constexpr uint32_t slot_reg(unsigned slot, uint32_t reg) {
    return NICSCHED_SLOT_BASE + slot * NICSCHED_SLOT_STRIDE + reg;
}

}  // namespace card

#endif  // NICSCHED_CARD_REGS_H
