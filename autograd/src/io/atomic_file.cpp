// atomic_write_file: readers see either the old file or the complete new one, never a torn write,
// and a crash right after the call returns does not lose the new file.
#include <tapegrad/autograd/io.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "io/unique_fd.h"

namespace tg::io {

namespace {

using detail::errno_text;
using detail::UniqueFd;

// Creates a fresh file next to path (same folder, so rename() stays within one file system).
// O_EXCL never reuses a name; mode 0666 lets the umask decide, as for any new file.
UniqueFd create_temp_next_to(const std::string& path, std::string& tmp) {
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0;; ++attempt) {
    tmp = fmt::format("{}.tmp{}.{}", path, ::getpid(), counter++);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd) return fd;
    if (errno != EEXIST || attempt == 100) {
      TG_FAIL("atomic_write_file: cannot create a temporary file next to '{}' ('{}'): {}", path, tmp,
              errno_text(errno));
    }
  }
}

// Returns 0, or the errno of the write that failed.
int write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, std::min<size_t>(left, size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? EIO : errno;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

// Makes the rename itself durable. Some file systems cannot sync a folder (EINVAL): nothing to do.
void sync_folder(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || (::fsync(fd.get()) != 0 && errno != EINVAL)) {
    TG_FAIL("atomic_write_file: wrote '{}' but cannot sync its folder '{}': {}", path, dir, errno_text(errno));
  }
}

// Fault injection for the crash tests (README, Reliability): TAPEGRAD_FAULT_KILL_WRITE=<k>:<n> makes
// this process SIGKILL itself during its k-th atomic write (1-based), after writing and syncing the
// first n bytes of the temporary file (n >= the size: complete, just before the rename).
// Returns n when this call is the one to kill.
std::optional<size_t> injected_kill_point() {
  static const char* spec = std::getenv("TAPEGRAD_FAULT_KILL_WRITE");
  static std::atomic<uint64_t> calls{0};
  if (spec == nullptr) return std::nullopt;
  unsigned long long k = 0, n = 0;
  char tail = 0;
  TG_CHECK(std::sscanf(spec, "%llu:%llu%c", &k, &n, &tail) == 2 && k > 0,
           "TAPEGRAD_FAULT_KILL_WRITE: expected <k>:<bytes> with k >= 1, got '{}'", spec);
  if (++calls != k) return std::nullopt;
  return static_cast<size_t>(n);
}

}  // namespace

void atomic_write_file(const std::string& path, std::string_view bytes) {
  TG_CHECK(!path.empty(), "atomic_write_file: empty path");
  std::string tmp;
  UniqueFd fd = create_temp_next_to(path, tmp);
  // On any failure the temporary file goes away and path keeps its old contents.
  auto fail = [&](const char* step, int err) {
    fd.close();
    ::unlink(tmp.c_str());
    TG_FAIL("atomic_write_file: cannot write '{}' ({} '{}'): {}", path, step, tmp, errno_text(err));
  };
  if (const std::optional<size_t> kill_after = injected_kill_point()) {
    (void)write_all(fd.get(), bytes.substr(0, std::min(*kill_after, bytes.size())));
    (void)::fsync(fd.get());
    ::raise(SIGKILL);
  }
  if (const int err = write_all(fd.get(), bytes)) fail("writing", err);
  if (::fsync(fd.get()) != 0) fail("syncing", errno);
  if (fd.close() != 0) fail("closing", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming", errno);
  sync_folder(path);
}

}  // namespace tg::io
