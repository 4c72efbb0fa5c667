// SPDX-License-Identifier: GPL-2.0
#include "guest_memory.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace card {

namespace {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

void GuestMemory::replace(const SyncSysmemPayload &msg, std::vector<UniqueFd> fds) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<Region> fresh;
    auto undo = [&fresh] {
        for (const Region &r : fresh)
            ::munmap(r.map, r.map_len);
    };
    for (size_t i = 0; i < fds.size(); i++) {
        const uint64_t gpa = msg.gpa[i], size = msg.size[i];
        const int64_t offset = msg.offset[i];
        const std::string where = "SYNC_SYSMEM region " + std::to_string(i) + " [" + hex(gpa) + ", " +
                                  hex(gpa + size) + ") at fd offset " + hex(static_cast<uint64_t>(offset));
        if (size == 0 || offset < 0 || gpa + size < gpa) {
            undo();
            throw ProtocolError(where + ": not a valid region");
        }
        const size_t lead = static_cast<size_t>(offset) % page;  // mmap wants a page-aligned offset
        const size_t map_len = lead + size;
        void *map = ::mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i].get(),
                           static_cast<off_t>(static_cast<size_t>(offset) - lead));
        if (map == MAP_FAILED) {
            const std::string why = std::strerror(errno);
            undo();
            throw ProtocolError(where + ": mmap failed: " + why);
        }
        fresh.push_back({gpa, size, static_cast<uint8_t *>(map) + lead, map, map_len});
    }
    unmap_all();
    regions_ = std::move(fresh);
    syncs_++;
    // fds close here: the mappings keep the memory
}

void GuestMemory::unmap_all() {
    for (const Region &r : regions_)
        ::munmap(r.map, r.map_len);
    regions_.clear();
}

template <typename Fn> bool GuestMemory::each_piece(uint64_t gpa, size_t len, Fn fn) const {
    // first pass checks every byte is RAM, second pass copies: never a partial copy
    for (int pass = 0; pass < 2; pass++) {
        uint64_t at = gpa;
        size_t left = len, done = 0;
        while (left > 0) {
            const Region *hit = nullptr;
            for (const Region &r : regions_)
                if (at >= r.gpa && at - r.gpa < r.size)
                    hit = &r;
            if (!hit)
                return false;
            const uint64_t room = hit->size - (at - hit->gpa);
            const size_t n = room < left ? static_cast<size_t>(room) : left;
            if (pass == 1)
                fn(hit->host + (at - hit->gpa), done, n);
            at += n;
            done += n;
            left -= n;
        }
    }
    return true;
}

bool GuestMemory::read(uint64_t gpa, void *buf, size_t len) const {
    uint8_t *out = static_cast<uint8_t *>(buf);
    return each_piece(gpa, len, [out](uint8_t *host, size_t done, size_t n) { std::memcpy(out + done, host, n); });
}

bool GuestMemory::write(uint64_t gpa, const void *buf, size_t len) {
    const uint8_t *in = static_cast<const uint8_t *>(buf);
    return each_piece(gpa, len, [in](uint8_t *host, size_t done, size_t n) { std::memcpy(host, in + done, n); });
}

uint64_t GuestMemory::bytes() const {
    uint64_t total = 0;
    for (const Region &r : regions_)
        total += r.size;
    return total;
}

std::string GuestMemory::describe() const {
    std::string out;
    for (const Region &r : regions_)
        out += (out.empty() ? "[" : " [") + hex(r.gpa) + ", " + hex(r.gpa + r.size) + ")";
    return out.empty() ? "none" : out;
}

}  // namespace card
