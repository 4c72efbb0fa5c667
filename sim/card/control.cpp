// SPDX-License-Identifier: GPL-2.0
#include "control.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace card {

namespace {

constexpr size_t kMaxLine = 16384;

[[noreturn]] void fail(const std::string &what, const std::string &path) {
    throw std::runtime_error("control socket " + path + ": " + what + ": " + std::strerror(errno));
}

bool send_all(int fd, const std::string &text) {
    size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

ControlServer::ControlServer(const std::string &path) : path_(path) {
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        fail("the path must have 1 to " + std::to_string(sizeof(addr.sun_path) - 1) + " characters", path);
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            errno = EEXIST;
            fail("exists and is not a socket", path);
        }
        ::unlink(path.c_str());  // a stale socket of an earlier run
    }
    listen_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (listen_.get() < 0)
        fail("socket", path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::bind(listen_.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) < 0)
        fail("bind", path);
    if (::listen(listen_.get(), 8) < 0)
        fail("listen", path);
}

ControlServer::~ControlServer() {
    ::unlink(path_.c_str());
}

void ControlServer::poll_fds(std::vector<pollfd> &fds) const {
    fds.push_back({listen_.get(), POLLIN, 0});
    for (const Client &c : clients_)
        fds.push_back({c.fd.get(), POLLIN, 0});
}

void ControlServer::accept_client() {
    const int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0)
        clients_.push_back({UniqueFd(fd), std::string()});
}

bool ControlServer::read_client(Client &client, const Handler &handler) {
    char buf[4096];
    const ssize_t n = ::recv(client.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    client.pending.append(buf, static_cast<size_t>(n));
    size_t eol;
    while ((eol = client.pending.find('\n')) != std::string::npos) {
        const std::string line = client.pending.substr(0, eol);
        client.pending.erase(0, eol + 1);
        if (!send_all(client.fd.get(), handler(line) + "\n"))
            return false;
    }
    if (client.pending.size() > kMaxLine)
        return send_all(client.fd.get(), "error: line longer than " + std::to_string(kMaxLine) + " bytes\n") && false;
    return true;
}

void ControlServer::serve(const std::vector<pollfd> &ready, const Handler &handler) {
    std::vector<int> done;
    for (const pollfd &p : ready) {
        if (!p.revents)
            continue;
        if (p.fd == listen_.get()) {
            accept_client();
            continue;
        }
        for (Client &c : clients_)
            if (c.fd.get() == p.fd && !read_client(c, handler))
                done.push_back(p.fd);
    }
    for (int fd : done)
        for (auto it = clients_.begin(); it != clients_.end(); ++it)
            if (it->fd.get() == fd) {
                clients_.erase(it);
                break;
            }
}

}  // namespace card
