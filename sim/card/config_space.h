// SPDX-License-Identifier: GPL-2.0
//
// The card's conventional PCI configuration space (256 bytes, header type 0): the standalone
// bind's ID 10ee:4e53, class 12:00:00 (processing accelerator), one 32-bit non-prefetchable memory
// BAR0 as big as the register window, no capabilities, no interrupt pin. A write changes only
// the bits its register's write mask allows, as in hardware, so an all-ones write to BAR0 reads
// back the BAR's size.
#ifndef NICSCHED_CARD_CONFIG_SPACE_H
#define NICSCHED_CARD_CONFIG_SPACE_H

#include <array>
#include <cstdint>

namespace card {

constexpr uint16_t kVendorXilinx = 0x10ee;
constexpr uint16_t kDeviceNicsched = 0x4e53;  // driver/pci/nicsched_pci.c
constexpr uint32_t kClassCode = 0x120000;    // processing accelerator
constexpr unsigned kConfigBytes = 256;

// Offsets of the type 0 header (PCI Local Bus 3.0, 6.1).
namespace cfg {
constexpr unsigned kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06;
constexpr unsigned kRevision = 0x08, kClass = 0x09, kCacheLine = 0x0c, kHeaderType = 0x0e;
constexpr unsigned kBar0 = 0x10, kSubsystemVendor = 0x2c, kSubsystemId = 0x2e;
constexpr unsigned kCapabilities = 0x34, kInterruptLine = 0x3c, kInterruptPin = 0x3d;
constexpr uint16_t kCommandMemory = 0x0002;
constexpr uint16_t kCommandBusMaster = 0x0004;
}  // namespace cfg

class ConfigSpace {
public:
    explicit ConfigSpace(uint32_t bar0_bytes);

    // @len is 1, 2 or 4 and the access lies within the 256 bytes; false otherwise.
    static bool valid_access(uint32_t addr, int len);
    uint32_t read(uint32_t addr, int len) const;
    void write(uint32_t addr, uint32_t value, int len);
    void reset();  // the power-on state: decoding off, BAR0 at 0

    bool memory_enabled() const;
    bool bus_master() const;  // the card may write host memory (results by DMA)
    uint32_t bar0_base() const;
    uint32_t bar0_bytes() const { return bar0_bytes_; }

private:
    void put(unsigned offset, uint32_t value, unsigned bytes);
    uint32_t get(unsigned offset, unsigned bytes) const;

    uint32_t bar0_bytes_;
    std::array<uint8_t, kConfigBytes> bytes_{};
    std::array<uint8_t, kConfigBytes> write_mask_{};
};

}  // namespace card

#endif  // NICSCHED_CARD_CONFIG_SPACE_H
