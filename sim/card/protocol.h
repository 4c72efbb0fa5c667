// SPDX-License-Identifier: GPL-2.0
//
// The remote side of QEMU 7.2's multi-process PCI link (x-pci-proxy-dev), written from the
// message layout QEMU defines: a 16-byte header (int cmd, 4 bytes of padding, size_t size), then
// `size` payload bytes, with file descriptors as SCM_RIGHTS on the header. Config-space and BAR
// accesses and device resets wait for a RET message carrying 8 bytes; SYNC_SYSMEM and SET_IRQFD
// get no answer. Anything else, or a message of the wrong shape, is a ProtocolError: the card
// stops rather than guess (docs/CARD.md).
#ifndef NICSCHED_CARD_PROTOCOL_H
#define NICSCHED_CARD_PROTOCOL_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace card {

// A file descriptor that closes itself.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept;
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    int release();
    void reset();

private:
    int fd_ = -1;
};

class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Command : int32_t {
    SyncSysmem = 0,
    Ret = 1,
    PciConfigWrite = 2,
    PciConfigRead = 3,
    BarWrite = 4,
    BarRead = 5,
    SetIrqfd = 6,
    DeviceReset = 7,
};

const char *command_name(int32_t cmd);

constexpr size_t kHeaderBytes = 16;
constexpr size_t kMaxPayloadBytes = 192;  // the largest payload QEMU 7.2 sends (SYNC_SYSMEM)
constexpr size_t kMaxFds = 8;
constexpr size_t kSysmemRegions = 8;

// Payloads, x86-64 layout.
struct SyncSysmemPayload {
    uint64_t gpa[kSysmemRegions];
    uint64_t size[kSysmemRegions];
    int64_t offset[kSysmemRegions];
};
static_assert(sizeof(SyncSysmemPayload) == 192, "SYNC_SYSMEM payload");

struct PciConfigPayload {
    uint32_t addr;
    uint32_t val;
    int32_t len;
};
static_assert(sizeof(PciConfigPayload) == 12, "PCI config payload");

struct BarAccessPayload {
    uint64_t addr;  // absolute guest-physical address
    uint64_t val;
    uint32_t size;  // bytes: 1, 2, 4 or 8
    uint8_t memory; // 1: memory BAR, 0: I/O BAR
    uint8_t pad[3];
};
static_assert(sizeof(BarAccessPayload) == 24, "BAR access payload");

struct Message {
    int32_t cmd = -1;
    uint64_t size = 0;
    std::array<uint8_t, kMaxPayloadBytes> payload{};
    std::vector<UniqueFd> fds;
    std::array<uint8_t, kHeaderBytes> header{};  // as received

    Command command() const { return static_cast<Command>(cmd); }
    SyncSysmemPayload sync_sysmem() const;
    PciConfigPayload pci_config() const;
    BarAccessPayload bar_access() const;
    std::string describe() const;  // "BAR_READ (cmd 5, 24 payload bytes, 0 fds)"
    std::string header_text() const;  // the 16 header bytes in hex and as text
};

// One end of the socketpair QEMU holds the other end of.
class Channel {
public:
    explicit Channel(int fd) : fd_(fd) {}

    // The next message, checked for its shape; false when QEMU closed the socket between
    // messages. Throws ProtocolError for anything else.
    bool receive(Message &msg);

    // The RET answer to a config, BAR or reset message.
    void reply(uint64_t value, const Message &request);

    int fd() const { return fd_; }
    uint64_t received() const { return received_; }

private:
    bool read_header(Message &msg);
    void read_payload(Message &msg);

    int fd_;
    uint64_t received_ = 0;
};

}  // namespace card

#endif  // NICSCHED_CARD_PROTOCOL_H
