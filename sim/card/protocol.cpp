// SPDX-License-Identifier: GPL-2.0
#include "protocol.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace card {

UniqueFd &UniqueFd::operator=(UniqueFd &&other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.release();
    }
    return *this;
}

int UniqueFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

const char *command_name(int32_t cmd) {
    switch (cmd) {
    case 0: return "SYNC_SYSMEM";
    case 1: return "RET";
    case 2: return "PCI_CFGWRITE";
    case 3: return "PCI_CFGREAD";
    case 4: return "BAR_WRITE";
    case 5: return "BAR_READ";
    case 6: return "SET_IRQFD";
    case 7: return "DEVICE_RESET";
    default: return "an unknown command";
    }
}

namespace {

std::string sys_error(const char *what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// What QEMU 7.2 sends for each command: the exact payload size and the range of fds.
struct Shape {
    uint64_t bytes;
    size_t min_fds;
    size_t max_fds;
};

bool expected_shape(int32_t cmd, Shape &shape) {
    switch (static_cast<Command>(cmd)) {
    case Command::SyncSysmem: shape = {sizeof(SyncSysmemPayload), 1, kSysmemRegions}; return true;
    case Command::PciConfigWrite:
    case Command::PciConfigRead: shape = {sizeof(PciConfigPayload), 0, 0}; return true;
    case Command::BarWrite:
    case Command::BarRead: shape = {sizeof(BarAccessPayload), 0, 0}; return true;
    case Command::SetIrqfd: shape = {0, 2, 2}; return true;
    case Command::DeviceReset: shape = {0, 0, 0}; return true;
    case Command::Ret: break;  // an answer, never a request
    }
    return false;
}

template <typename T> T payload_as(const Message &msg) {
    T value;
    std::memcpy(&value, msg.payload.data(), sizeof(T));
    return value;
}

}  // namespace

SyncSysmemPayload Message::sync_sysmem() const { return payload_as<SyncSysmemPayload>(*this); }
PciConfigPayload Message::pci_config() const { return payload_as<PciConfigPayload>(*this); }
BarAccessPayload Message::bar_access() const { return payload_as<BarAccessPayload>(*this); }

std::string Message::describe() const {
    return std::string(command_name(cmd)) + " (cmd " + std::to_string(cmd) + ", " + std::to_string(size) +
           " payload bytes, " + std::to_string(fds.size()) + " fds)";
}

std::string Message::header_text() const {
    std::string hex, text;
    char byte[4];
    for (uint8_t b : header) {
        std::snprintf(byte, sizeof(byte), "%02x ", b);
        hex += byte;
        text += b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.';
    }
    return "header bytes " + hex + "(\"" + text + "\")";
}

bool Channel::read_header(Message &msg) {
    uint8_t header[kHeaderBytes];
    size_t got = 0;
    // Room for more fds than QEMU may send, so that too many are seen, not silently truncated.
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * (kMaxFds + 8))];
    while (got < kHeaderBytes) {
        iovec iov{header + got, kHeaderBytes - got};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof(control);
        const ssize_t n = ::recvmsg(fd_, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw ProtocolError(sys_error("reading a message header from QEMU"));
        for (cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                msg.fds.emplace_back(fd);
            }
        }
        if (mh.msg_flags & MSG_CTRUNC)
            throw ProtocolError("QEMU sent more file descriptors with one message than the card can take");
        if (n == 0) {
            if (got == 0 && msg.fds.empty())
                return false;
            throw ProtocolError("QEMU closed the socket in the middle of a message header (" + std::to_string(got) +
                                " of " + std::to_string(kHeaderBytes) + " bytes)");
        }
        got += static_cast<size_t>(n);
    }
    int32_t cmd;
    uint64_t size;
    std::memcpy(msg.header.data(), header, kHeaderBytes);
    std::memcpy(&cmd, header, sizeof(cmd));
    std::memcpy(&size, header + 8, sizeof(size));
    msg.cmd = cmd;
    msg.size = size;
    return true;
}

void Channel::read_payload(Message &msg) {
    size_t got = 0;
    while (got < msg.size) {
        const ssize_t n = ::recv(fd_, msg.payload.data() + got, msg.size - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw ProtocolError(sys_error("reading a message payload from QEMU"));
        if (n == 0)
            throw ProtocolError("QEMU closed the socket in the middle of " + msg.describe() + " (" +
                                std::to_string(got) + " payload bytes arrived)");
        got += static_cast<size_t>(n);
    }
}

bool Channel::receive(Message &msg) {
    msg = Message{};
    if (!read_header(msg))
        return false;
    Shape shape{};
    if (!expected_shape(msg.cmd, shape))
        throw ProtocolError("unexpected message from QEMU: " + msg.describe() +
                            "; QEMU 7.2's x-pci-proxy-dev sends commands 0 and 2..7 only; " + msg.header_text());
    if (msg.size != shape.bytes || msg.fds.size() < shape.min_fds || msg.fds.size() > shape.max_fds) {
        const std::string fds = shape.min_fds == shape.max_fds
                                    ? std::to_string(shape.min_fds)
                                    : std::to_string(shape.min_fds) + ".." + std::to_string(shape.max_fds);
        throw ProtocolError("malformed message from QEMU: " + msg.describe() + "; QEMU 7.2 sends " +
                            std::to_string(shape.bytes) + " payload bytes and " + fds + " fds for " +
                            command_name(msg.cmd) + "; " + msg.header_text());
    }
    read_payload(msg);
    received_++;
    return true;
}

void Channel::reply(uint64_t value, const Message &request) {
    uint8_t out[kHeaderBytes + sizeof(uint64_t)] = {};
    const int32_t cmd = static_cast<int32_t>(Command::Ret);
    const uint64_t size = sizeof(uint64_t);
    std::memcpy(out, &cmd, sizeof(cmd));
    std::memcpy(out + 8, &size, sizeof(size));
    std::memcpy(out + kHeaderBytes, &value, sizeof(value));
    size_t sent = 0;
    while (sent < sizeof(out)) {
        const ssize_t n = ::send(fd_, out + sent, sizeof(out) - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw ProtocolError(sys_error(("answering " + request.describe()).c_str()));
        sent += static_cast<size_t>(n);
    }
}

}  // namespace card
