// A POSIX file descriptor closed on scope exit, and errno as text, for the io/ sources.
#pragma once

#include <unistd.h>

#include <string>
#include <system_error>
#include <utility>

namespace tg::io::detail {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { close(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Returns close()'s result: some file systems report deferred write errors only here.
  int close() {
    const int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_ = -1;
};

// Thread-safe, unlike std::strerror.
inline std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace tg::io::detail
