// SPDX-License-Identifier: GPL-2.0
//
// The control socket: a UNIX stream socket at a path; each client sends commands, one per line,
// and gets one line back per command. Served from the card's poll loop, between QEMU messages.
#ifndef NICSCHED_CARD_CONTROL_H
#define NICSCHED_CARD_CONTROL_H

#include <functional>
#include <string>
#include <vector>

#include <poll.h>

#include "protocol.h"

namespace card {

class ControlServer {
public:
    using Handler = std::function<std::string(const std::string &)>;

    explicit ControlServer(const std::string &path);  // throws std::runtime_error
    ~ControlServer();
    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    // Append the fds to poll; serve() then handles those that are ready.
    void poll_fds(std::vector<pollfd> &fds) const;
    void serve(const std::vector<pollfd> &ready, const Handler &handler);

private:
    struct Client {
        UniqueFd fd;
        std::string pending;
    };
    void accept_client();
    bool read_client(Client &client, const Handler &handler);  // false: close it

    std::string path_;
    UniqueFd listen_;
    std::vector<Client> clients_;
};

}  // namespace card

#endif  // NICSCHED_CARD_CONTROL_H
