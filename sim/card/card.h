// SPDX-License-Identifier: GPL-2.0
//
// The simulated card: PCI config space, BAR0 = the register window of the Verilated nicsched_top
// reached through driver/userspace/nicsched_bus (one AXI-Lite transaction per 32-bit access),
// the RTL's DMA writes (results into host memory) landing in guest RAM, the time model that ties
// RTL cycles to host time, the faults, the per-kind MMIO counts and the doorbell log.
// docs/CARD.md is the reference.
#ifndef NICSCHED_CARD_CARD_H
#define NICSCHED_CARD_CARD_H

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <linux/types.h>

#include "config_space.h"
#include "guest_memory.h"
#include "protocol.h"

namespace card {

// What a BAR0 offset is, for the MMIO counts (classified with the generated register map).
enum class RegKind { Config, Id, Features, Doorbell, Result, Scores, Counters, Weights, Dma, Other, Count };
const char *kind_name(RegKind kind);
RegKind classify(uint32_t offset);

struct CardOptions {
    std::string log_path;      // doorbell log (JSON lines); empty: none
    bool require_ram = false;  // --ram: a BAR access before any SYNC_SYSMEM is an error
};

class Card {
public:
    explicit Card(const CardOptions &options);
    ~Card();
    Card(const Card &) = delete;
    Card &operator=(const Card &) = delete;

    // One QEMU request. Throws ProtocolError when QEMU and the card disagree.
    uint64_t config_read(const PciConfigPayload &req);
    void config_write(const PciConfigPayload &req);
    uint64_t bar_read(const BarAccessPayload &req);
    void bar_write(const BarAccessPayload &req);
    void device_reset();
    void set_irqfds(std::vector<UniqueFd> fds);
    GuestMemory &memory() { return memory_; }

    // A fault as --fault spells it: stall, remove, slow:US. Throws std::invalid_argument.
    void apply_fault(const std::string &spec);
    // One control line in, one line out (without the newline).
    std::string control(const std::string &line);
    std::string stats_json() const;
    // A QEMU message handled in @ns nanoseconds (the card's share of a round trip, in stats).
    void account(uint64_t ns) {
        counts_.messages++;
        counts_.busy_ns += ns;
    }
    // After QEMU has its answer: run the RTL until the work the last write started is done
    // (an inference, its DMA write into guest RAM), as a free-running card would meanwhile.
    void settle();
    // A DMA write held back by the slow fault: how long the card may sleep before it is due
    // (-1: nothing held), and a tick that lets it land once due.
    int dma_wait_ms() const;
    void dma_tick();
    static uint64_t now_ns();
    std::string summary() const;  // the start-up line on stderr

private:
    struct Faults {
        bool stall = false;
        uint64_t slow_us = 0;
        bool removed = false;
    };
    struct Counts {
        std::array<uint64_t, static_cast<size_t>(RegKind::Count)> reads{};
        std::array<uint64_t, static_cast<size_t>(RegKind::Count)> writes{};
        uint64_t doorbells = 0;
        uint64_t results_valid = 0;
        uint64_t misaligned = 0;
        uint64_t resets = 0;
        uint64_t irqfds = 0;
        uint64_t messages = 0;
        uint64_t busy_ns = 0;
        uint64_t dma_writes = 0;   // RTL DMA writes that landed in guest RAM
        uint64_t dma_dropped = 0;  // ... that did not: bus mastering off, or not guest RAM
    };

    uint32_t bar_offset(const BarAccessPayload &req, const char *what);
    void catch_up();
    uint32_t read_word(uint32_t offset);
    void write_word(uint32_t offset, uint32_t value, uint8_t strobes);
    void doorbell(uint32_t offset, uint32_t value, uint8_t strobes);
    void log_doorbell(unsigned slot, uint32_t tag, bool delivered, uint32_t inferences_before, uint64_t cycle);
    void set_faults(const Faults &faults);
    std::string fault_name() const;
    std::string memory_command(const std::vector<std::string> &words);
    uint64_t elapsed_ns() const;
    static int dma_write(void *ctx, __u64 gpa, const void *data, __u32 len);

    ConfigSpace config_;
    GuestMemory memory_;
    std::vector<UniqueFd> irqfds_;
    CardOptions options_;
    FILE *log_ = nullptr;
    uint64_t start_ns_;
    uint64_t drain_cycles_ = 0;  // the longest a doorbell keeps the RTL busy, with margin
    uint64_t unsettled_ = 0;     // cycles to simulate before the RTL is surely idle again
    bool in_signed_ = false;
    bool out_signed_ = false;
    Faults faults_;
    Counts counts_;
};

}  // namespace card

#endif  // NICSCHED_CARD_CARD_H
