// SPDX-License-Identifier: GPL-2.0
//
// Guest RAM as the card sees it for DMA. QEMU (with fd-backed RAM: memory-backend-memfd,
// share=on) sends SYNC_SYSMEM whenever its memory map changes: up to 8 regions, each a guest
// physical range backed by an fd at an offset. Every SYNC_SYSMEM replaces the whole map: the new
// regions are mapped, the old ones unmapped, and every fd is closed once mapped.
#ifndef NICSCHED_CARD_GUEST_MEMORY_H
#define NICSCHED_CARD_GUEST_MEMORY_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol.h"

namespace card {

class GuestMemory {
public:
    GuestMemory() = default;
    GuestMemory(const GuestMemory &) = delete;
    GuestMemory &operator=(const GuestMemory &) = delete;
    ~GuestMemory() { unmap_all(); }

    // Map the regions of one SYNC_SYSMEM (one fd per region, in order). Throws ProtocolError
    // naming the region when one cannot be mapped; the previous map then stays in place.
    void replace(const SyncSysmemPayload &regions, std::vector<UniqueFd> fds);

    // Copy guest-physical [gpa, gpa + len) out of / into guest RAM. False, with nothing
    // copied, when any byte of the range is not RAM the card has been given.
    bool read(uint64_t gpa, void *buf, size_t len) const;
    bool write(uint64_t gpa, const void *buf, size_t len);

    size_t regions() const { return regions_.size(); }
    uint64_t bytes() const;
    uint64_t syncs() const { return syncs_; }
    std::string describe() const;  // "[0x0, 0xa0000) [0x100000, 0x20000000)"

private:
    struct Region {
        uint64_t gpa;
        uint64_t size;
        uint8_t *host;  // guest byte gpa is at host[0]
        void *map;
        size_t map_len;
    };

    // The host address of [gpa, gpa + len) when it is all RAM, split at region ends.
    template <typename Fn> bool each_piece(uint64_t gpa, size_t len, Fn fn) const;
    void unmap_all();

    std::vector<Region> regions_;
    uint64_t syncs_ = 0;
};

}  // namespace card

#endif  // NICSCHED_CARD_GUEST_MEMORY_H
