// A per-process scratch file for fuzz targets whose entry point takes a path, not bytes.
// Overwritten on every input and removed at exit.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

class FuzzTempFile {
 public:
  explicit FuzzTempFile(const std::string& suffix)
      : path_((std::filesystem::temp_directory_path() / ("tg-fuzz-" + std::to_string(::getpid()) + suffix)).string()) {}
  ~FuzzTempFile() { std::remove(path_.c_str()); }
  FuzzTempFile(const FuzzTempFile&) = delete;
  FuzzTempFile& operator=(const FuzzTempFile&) = delete;

  // Replaces the file's contents with bytes and returns its path.
  const std::string& write(std::string_view bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path_;
  }

 private:
  std::string path_;
};
