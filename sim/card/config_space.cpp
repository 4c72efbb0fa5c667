// SPDX-License-Identifier: GPL-2.0
#include "config_space.h"

namespace card {

namespace {

// Command register bits a driver may set: memory space, bus master, parity error response,
// SERR#, INTx disable. I/O space stays 0: the card has no I/O BAR.
constexpr uint16_t kCommandWritable = 0x0546;
constexpr uint32_t kBarMemory32 = 0x0;  // bit 0 memory, bits 2:1 32-bit, bit 3 not prefetchable

}  // namespace

ConfigSpace::ConfigSpace(uint32_t bar0_bytes) : bar0_bytes_(bar0_bytes) {
    put(cfg::kVendorId, kVendorXilinx, 2);
    put(cfg::kDeviceId, kDeviceNicsched, 2);
    put(cfg::kRevision, 0, 1);
    put(cfg::kClass, kClassCode, 3);
    put(cfg::kHeaderType, 0, 1);
    put(cfg::kSubsystemVendor, kVendorXilinx, 2);
    put(cfg::kSubsystemId, kDeviceNicsched, 2);
    put(cfg::kCapabilities, 0, 1);
    put(cfg::kInterruptPin, 0, 1);  // no INTx: QEMU's proxy delivers none under TCG
    reset();

    const uint16_t command_mask = kCommandWritable;
    write_mask_[cfg::kCommand] = command_mask & 0xff;
    write_mask_[cfg::kCommand + 1] = command_mask >> 8;
    write_mask_[cfg::kCacheLine] = 0xff;
    write_mask_[cfg::kInterruptLine] = 0xff;
    const uint32_t bar_mask = ~(bar0_bytes_ - 1) & ~uint32_t{0xf};
    for (unsigned i = 0; i < 4; i++)
        write_mask_[cfg::kBar0 + i] = static_cast<uint8_t>(bar_mask >> (8 * i));
}

bool ConfigSpace::valid_access(uint32_t addr, int len) {
    return (len == 1 || len == 2 || len == 4) && addr < kConfigBytes && addr + static_cast<uint32_t>(len) <= kConfigBytes;
}

void ConfigSpace::put(unsigned offset, uint32_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++)
        bytes_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t ConfigSpace::get(unsigned offset, unsigned bytes) const {
    uint32_t value = 0;
    for (unsigned i = 0; i < bytes; i++)
        value |= uint32_t{bytes_[offset + i]} << (8 * i);
    return value;
}

void ConfigSpace::reset() {
    put(cfg::kCommand, 0, 2);
    put(cfg::kStatus, 0, 2);
    put(cfg::kCacheLine, 0, 1);
    put(cfg::kBar0, kBarMemory32, 4);
    put(cfg::kInterruptLine, 0, 1);
}

uint32_t ConfigSpace::read(uint32_t addr, int len) const {
    return get(addr, static_cast<unsigned>(len));
}

void ConfigSpace::write(uint32_t addr, uint32_t value, int len) {
    for (unsigned i = 0; i < static_cast<unsigned>(len); i++) {
        const unsigned at = addr + i;
        const uint8_t mask = write_mask_[at];
        const uint8_t byte = static_cast<uint8_t>(value >> (8 * i));
        bytes_[at] = static_cast<uint8_t>((bytes_[at] & ~mask) | (byte & mask));
    }
}

bool ConfigSpace::memory_enabled() const {
    return get(cfg::kCommand, 2) & cfg::kCommandMemory;
}

bool ConfigSpace::bus_master() const {
    return get(cfg::kCommand, 2) & cfg::kCommandBusMaster;
}

uint32_t ConfigSpace::bar0_base() const {
    return get(cfg::kBar0, 4) & ~uint32_t{0xf};
}

}  // namespace card
