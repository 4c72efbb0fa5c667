// SPDX-License-Identifier: GPL-2.0
//
// nicsched-card: the simulated nicsched PCI card behind QEMU 7.2's x-pci-proxy-dev. Usage in
// usage() below and in docs/CARD.md.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fcntl.h>
#include <poll.h>

#include "card.h"
#include "control.h"
#include "protocol.h"

namespace {

constexpr const char *kPinnedQemu = "Debian 1:7.2+dfsg-7+deb12u18";

// exit codes
constexpr int kExitUsage = 64;
constexpr int kExitProtocol = 2;
constexpr int kExitNoQemu = 3;
constexpr int kExitFailure = 1;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

void usage(FILE *out) {
    std::fprintf(out,
                 "usage: nicsched-card --fd N [--control PATH] [--log PATH] [--fault F]... [--ram]\n"
                 "       nicsched-card --check-qemu [QEMU]\n"
                 "\n"
                 "The simulated nicsched card (PCI 10ee:4e53, BAR0 = the policy's register window) behind\n"
                 "QEMU 7.2's x-pci-proxy-dev. Start QEMU with the other end of a socketpair as\n"
                 "  -device x-pci-proxy-dev,id=nic0,fd=M\n"
                 "and, for guest RAM (DMA), -object memory-backend-memfd,id=mem,size=<RAM>,share=on\n"
                 "-machine memory-backend=mem.\n"
                 "\n"
                 "  --fd N          this end of the socketpair (inherited)\n"
                 "  --control PATH  UNIX socket for commands, one per line, one line back each:\n"
                 "                  stall on|off, remove, slow US, healthy, stats, mem-read GPA LEN,\n"
                 "                  mem-write GPA HEX, help\n"
                 "  --log PATH      doorbell log, one JSON line per doorbell\n"
                 "  --fault F       a fault from the start: stall, remove or slow:US (repeatable)\n"
                 "  --ram           require guest RAM: a BAR access before QEMU sent any SYNC_SYSMEM is an error\n"
                 "  --check-qemu [QEMU]  check that QEMU (default qemu-system-x86_64) has x-pci-proxy-dev and\n"
                 "                  print QEMU=, QEMU_VERSION=, QEMU_PINNED=yes|no\n"
                 "\n"
                 "Exit status: 0 when QEMU closes the socket (or on SIGTERM/SIGINT), %d when QEMU closed it\n"
                 "before sending anything, %d on a message the card does not expect, %d on bad usage, %d on\n"
                 "any other failure. See docs/CARD.md.\n",
                 kExitNoQemu, kExitProtocol, kExitUsage, kExitFailure);
}

[[noreturn]] void usage_error(const std::string &what) {
    std::fprintf(stderr, "nicsched-card: %s (see --help)\n", what.c_str());
    std::exit(kExitUsage);
}

struct Args {
    int fd = -1;
    std::string control;
    std::string log;
    std::vector<std::string> faults;
    bool ram = false;
    bool check_qemu = false;
    std::string qemu = "qemu-system-x86_64";
};

Args parse_args(int argc, char **argv) {
    Args args;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            usage(stdout);
            std::exit(0);
        } else if (a == "--fd") {
            const std::string v = value();
            char *end = nullptr;
            const long fd = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end || fd < 0 || fd > 1 << 20)
                usage_error("--fd wants a file descriptor number, got '" + v + "'");
            args.fd = static_cast<int>(fd);
        } else if (a == "--control") {
            args.control = value();
        } else if (a == "--log") {
            args.log = value();
        } else if (a == "--fault") {
            args.faults.push_back(value());
        } else if (a == "--ram") {
            args.ram = true;
        } else if (a == "--check-qemu") {
            args.check_qemu = true;
            if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
                args.qemu = argv[++i];
        } else {
            usage_error("unknown argument '" + a + "'");
        }
    }
    if (!args.check_qemu && args.fd < 0)
        usage_error("--fd N is required");
    return args;
}

// Run argv, return its stdout; false when it could not run or exited non-zero.
bool capture(const std::vector<std::string> &argv, std::string &out) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0)
        return false;
    const pid_t pid = ::fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        ::dup2(pipefd[1], 1);
        const int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 2);
        std::vector<char *> cargv;
        for (const std::string &s : argv)
            cargv.push_back(const_cast<char *>(s.c_str()));
        cargv.push_back(nullptr);
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            out.append(buf, static_cast<size_t>(n));
    ::close(pipefd[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int check_qemu(const std::string &qemu) {
    std::string version, devices;
    if (!capture({qemu, "-version"}, version)) {
        std::fprintf(stderr, "nicsched-card: cannot run '%s -version': install Debian's qemu-system-x86 (%s)\n",
                     qemu.c_str(), kPinnedQemu);
        return kExitFailure;
    }
    version = version.substr(0, version.find('\n'));
    const bool listed = capture({qemu, "-machine", "none", "-device", "help"}, devices) &&
                        devices.find("\"x-pci-proxy-dev\"") != std::string::npos;
    std::printf("QEMU=%s\nQEMU_VERSION=%s\n", qemu.c_str(), version.c_str());
    const bool pinned = version.find(kPinnedQemu) != std::string::npos;
    std::printf("QEMU_PINNED=%s\n", pinned ? "yes" : "no");
    if (!listed) {
        std::fprintf(stderr,
                     "nicsched-card: %s has no x-pci-proxy-dev device (multi-process QEMU), so it cannot host the "
                     "simulated card: use qemu-system-x86_64 from Debian's qemu-system-x86 (%s)\n",
                     qemu.c_str(), kPinnedQemu);
        return kExitNoQemu;
    }
    if (!pinned)
        std::fprintf(stderr,
                     "nicsched-card: warning: %s is '%s', not the tested %s; the card checks every message and "
                     "stops at the first one it does not expect\n",
                     qemu.c_str(), version.c_str(), kPinnedQemu);
    return 0;
}

// One QEMU request: answer it when QEMU waits for an answer.
void dispatch(card::Card &card, card::Channel &channel, card::Message &msg) {
    using card::Command;
    switch (msg.command()) {
    case Command::SyncSysmem:
        card.memory().replace(msg.sync_sysmem(), std::move(msg.fds));
        break;
    case Command::SetIrqfd:
        card.set_irqfds(std::move(msg.fds));
        break;
    case Command::PciConfigRead:
        channel.reply(card.config_read(msg.pci_config()), msg);
        break;
    case Command::PciConfigWrite:
        card.config_write(msg.pci_config());
        channel.reply(0, msg);
        break;
    case Command::BarRead:
        channel.reply(card.bar_read(msg.bar_access()), msg);
        break;
    case Command::BarWrite:
        card.bar_write(msg.bar_access());
        channel.reply(0, msg);
        break;
    case Command::DeviceReset:
        card.device_reset();
        channel.reply(0, msg);
        break;
    case Command::Ret:
        throw card::ProtocolError("unexpected " + msg.describe());  // Channel::receive refuses it first
    }
}

int serve(const Args &args) {
    if (::fcntl(args.fd, F_GETFD) < 0) {
        std::fprintf(stderr, "nicsched-card: --fd %d is not an open file descriptor\n", args.fd);
        return kExitUsage;
    }
    card::CardOptions options;
    options.log_path = args.log;
    options.require_ram = args.ram;
    card::Card card(options);
    for (const std::string &f : args.faults) {
        try {
            card.apply_fault(f);
        } catch (const std::invalid_argument &e) {
            usage_error(std::string("--fault: ") + e.what());
        }
    }
    std::unique_ptr<card::ControlServer> control;
    if (!args.control.empty())
        control = std::make_unique<card::ControlServer>(args.control);
    card::Channel channel(args.fd);
    std::fprintf(stderr, "%s\nnicsched-card: ready, waiting for QEMU on fd %d%s%s\n", card.summary().c_str(), args.fd,
                 args.control.empty() ? "" : ", control socket ", args.control.c_str());

    const auto handler = [&card](const std::string &line) { return card.control(line); };
    std::vector<pollfd> fds;
    while (!g_stop) {
        fds.clear();
        fds.push_back({args.fd, POLLIN, 0});
        if (control)
            control->poll_fds(fds);
        if (::poll(fds.data(), fds.size(), card.dma_wait_ms()) < 0) {
            if (errno == EINTR)
                continue;
            std::perror("nicsched-card: poll");
            return kExitFailure;
        }
        if (fds[0].revents) {
            card::Message msg;
            if (!channel.receive(msg)) {
                if (channel.received() == 0) {
                    std::fprintf(stderr,
                                 "nicsched-card: QEMU closed the socket before sending any message: it did not "
                                 "create x-pci-proxy-dev on this socket (does '-device x-pci-proxy-dev,fd=M' name "
                                 "the other end? does 'nicsched-card --check-qemu' pass?)\n");
                    return kExitNoQemu;
                }
                std::fprintf(stderr, "nicsched-card: QEMU closed the socket after %llu messages; stats %s\n",
                             static_cast<unsigned long long>(channel.received()), card.stats_json().c_str());
                return 0;
            }
            const uint64_t t0 = card::Card::now_ns();
            dispatch(card, channel, msg);
            card.account(card::Card::now_ns() - t0);
            card.settle();  // QEMU has its answer; the RTL runs on
        }
        card.dma_tick();
        if (control)
            control->serve(fds, handler);
    }
    std::fprintf(stderr, "nicsched-card: stopped by a signal after %llu messages; stats %s\n",
                 static_cast<unsigned long long>(channel.received()), card.stats_json().c_str());
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    const Args args = parse_args(argc, argv);
    if (args.check_qemu)
        return check_qemu(args.qemu);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return serve(args);
    } catch (const card::ProtocolError &e) {
        std::fprintf(stderr, "nicsched-card: %s\n", e.what());
        return kExitProtocol;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nicsched-card: %s\n", e.what());
        return kExitFailure;
    }
}
