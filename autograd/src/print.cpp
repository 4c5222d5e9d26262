// tg::to_string: PyTorch's tensor printing, with the shape always shown.
//
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], dtype=float64, shape=[2, 2], requires_grad=True)
//
// Format, as in PyTorch's torch/_tensor_str.py (linewidth 80, precision 4, threshold 1000,
// edgeitems 3):
//   - floats with 4 decimals, or all in scientific notation (1.0000e+05) when the nonzero finite
//     magnitudes span more than 1000x, exceed 1e8 or go below 1e-4; integers plain; bools
//     true/false. Every element is right-aligned to the widest one shown.
//   - tensors with more than 1000 elements show the first and last 3 entries of each dim, with
//     "..." between.
//   - suffixes: dtype=... (unless float32, int64 or bool, which the values already tell apart),
//     shape=[...] (always, except for 0-d tensors), then grad_fn=<Name> or requires_grad=True.
//   - an undefined tensor prints as tensor(undefined); an empty one as tensor([], shape=[0, 3]).
// PyTorch's "integer floats" mode (tensor([1., 2.])) is not reproduced: floats always show 4 decimals.
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/print.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

namespace tg {

namespace {

constexpr int64_t kLineWidth = 80;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

class Printer {
 public:
  explicit Printer(const Tensor& t) : t_(t), summarize_(t.numel() > kThreshold) {}

  std::string data() {
    collect(0, 0);
    format_values();
    next_ = 0;
    const int64_t indent = 7;  // strlen("tensor(")
    return t_.dim() == 0 ? strings_[0] : render(0, indent);
  }

 private:
  // The indices of dim d that are shown: all, or the first and last kEdgeItems (-1 marks "...").
  std::vector<int64_t> shown(int64_t d) const {
    const int64_t n = t_.size(d);
    std::vector<int64_t> idx;
    if (summarize_ && n > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  // Reads the shown elements in order (offset in elements from the tensor's first element).
  void collect(int64_t d, int64_t offset) {
    if (d == t_.dim()) {
      dispatch(t_.dtype(), "print", [&]<typename T>() {
        const T v = static_cast<const T*>(t_.raw_data())[offset];
        if constexpr (std::is_floating_point_v<T>) floats_.push_back(static_cast<double>(v));
        else if constexpr (std::is_same_v<T, bool>) strings_.emplace_back(v ? "true" : "false");
        else strings_.push_back(fmt::format("{}", v));
      });
      return;
    }
    for (int64_t i : shown(d))
      if (i >= 0) collect(d + 1, offset + i * t_.stride(d));
  }

  // Floats to strings (fixed or scientific for all), then the common width.
  void format_values() {
    if (t_.is_floating_point()) {
      double lo = INFINITY, hi = 0;
      for (double v : floats_) {
        if (!std::isfinite(v) || v == 0) continue;
        lo = std::min(lo, std::abs(v));
        hi = std::max(hi, std::abs(v));
      }
      const bool sci = hi > 0 && (hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4);
      for (double v : floats_) strings_.push_back(sci ? fmt::format("{:.4e}", v) : fmt::format("{:.4f}", v));
    }
    for (const auto& s : strings_) width_ = std::max(width_, static_cast<int64_t>(s.size()));
  }

  std::string next_value() {
    const std::string& s = strings_[next_++];
    return std::string(static_cast<size_t>(width_) - s.size(), ' ') + s;
  }

  // Dim d of the shown elements (consumed in order), as PyTorch's _tensor_str_with_formatter:
  // rows wrap at the line width; sub-tensors of k dims are separated by k - 1 newlines.
  std::string render(int64_t d, int64_t indent) {
    const std::vector<int64_t> idx = shown(d);
    const std::string pad(static_cast<size_t>(indent + 1), ' ');
    std::string out = "[";
    if (d == t_.dim() - 1) {
      const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / (width_ + 2));
      for (size_t k = 0; k < idx.size(); ++k) {
        if (k > 0 && static_cast<int64_t>(k) % per_line == 0) out.append(",\n").append(pad);
        else if (k > 0) out += ", ";
        out += idx[k] < 0 ? " ..." : next_value();
      }
    } else {
      std::string sep = ",";
      sep.append(static_cast<size_t>(t_.dim() - d - 1), '\n').append(pad);
      for (size_t k = 0; k < idx.size(); ++k) {
        if (k > 0) out += sep;
        out += idx[k] < 0 ? "..." : render(d + 1, indent + 1);
      }
    }
    return out + "]";
  }

  const Tensor& t_;
  bool summarize_;
  std::vector<double> floats_;
  std::vector<std::string> strings_;
  int64_t width_ = 0;
  size_t next_ = 0;
};

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  std::string out = "tensor(";
  out += t.numel() == 0 ? "[]" : Printer(t).data();
  if (t.dtype() == kDouble) out += fmt::format(", dtype={}", t.dtype());
  if (t.dim() > 0) out += fmt::format(", shape={}", t.shape());
  if (t.grad_fn()) out += fmt::format(", grad_fn=<{}>", t.grad_fn()->name());
  else if (t.requires_grad()) out += ", requires_grad=True";
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << fmt::format("{}", t); }

}  // namespace tg
