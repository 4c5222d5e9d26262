// The IDX format of (Fashion-)MNIST: big-endian magic (0, 0, type code, number of dims), the
// dims as big-endian u32, then the values. Files may be gzip-compressed.
#pragma once

#include <tapegrad/autograd.h>

#include <string>

namespace tg::data {

// Reads an IDX file (plain or .gz). Unsigned/signed bytes, shorts and ints become int64 (or,
// with as_float, float32); float and double become float32/float64. Every header field and the
// data size are checked against the file; problems are tg::Error naming the file and the issue.
Tensor read_idx(const std::string& path, bool as_float = false);

// The whole (decompressed) content of a file; gzip is detected by its magic bytes.
std::string read_maybe_gzipped(const std::string& path);

// Parses IDX bytes already in memory (the checks of read_idx; `name` is used in errors).
Tensor parse_idx(const std::string& bytes, const std::string& name, bool as_float = false);

}  // namespace tg::data
