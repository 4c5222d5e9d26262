// Joining and splitting: cat, stack, split, chunk. cat is the primitive (its backward narrows the
// gradient per input); stack is unsqueeze + cat; split and chunk are narrow views.
#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;

Tensor cat(const tensor_list& tensors, int64_t dim) {
  TG_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) TG_CHECK(tensors[i].defined(), "cat: tensor {} is undefined", i);
  const Tensor& first = tensors[0];
  TG_CHECK(first.dim() > 0, "cat: a 0-d tensor (position 0) cannot be concatenated; unsqueeze it or use stack");
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.shape();
  out_shape[d] = 0;
  DType dt = first.dtype();
  std::vector<int64_t> sizes;
  sizes.reserve(tensors.size());
  bool any_grad = false;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TG_CHECK(t.dim() == first.dim(), "cat: tensor {} has shape {} but tensor 0 has shape {} (different numbers of dims)",
             i, t.shape(), first.shape());
    for (int64_t e = 0; e < t.dim(); ++e)
      TG_CHECK(e == d || t.size(e) == first.size(e),
               "cat: tensor {} has shape {} but tensor 0 has shape {}; sizes must match except in dim {}", i, t.shape(),
               first.shape(), d);
    sizes.push_back(t.size(d));
    out_shape[d] += t.size(d);
    dt = promote(dt, t.dtype());
    any_grad = any_grad || t.requires_grad();
  }
  Tensor out = empty(out_shape, dt);
  int64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor window = out.narrow(d, offset, sizes[i]);
    if (window.numel() > 0) kernel_copy(window, tensors[i]);  // converts dtype on the way
    offset += sizes[i];
  }
  if (any_grad && GradMode::is_enabled()) {
    // Any number of inputs: the node is built directly, since record() takes a fixed list.
    auto backward = [d, sizes](const Tensor& g, const tensor_list&, Needs n) -> tensor_list {
      tensor_list grads(sizes.size());
      int64_t start = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (i >= 64 || n[i]) grads[i] = g.narrow(d, start, sizes[i]);  // Needs holds 64 bits
        start += sizes[i];
      }
      return grads;
    };
    auto node = std::make_shared<autograd::LambdaNode<decltype(backward)>>("CatBackward", std::move(backward));
    node->set_inputs(tensors);
    node->set_outputs({out});
  }
  return out;
}

Tensor stack(const tensor_list& tensors, int64_t dim) {
  TG_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) TG_CHECK(tensors[i].defined(), "stack: tensor {} is undefined", i);
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  tensor_list parts;
  parts.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].shape() == tensors[0].shape(),
             "stack: tensor {} has shape {} but tensor 0 has shape {}; all shapes must be equal", i,
             tensors[i].shape(), tensors[0].shape());
    parts.push_back(tensors[i].unsqueeze(d));
  }
  return cat(parts, d);
}

tensor_list split(const Tensor& x, int64_t split_size, int64_t dim) {
  TG_CHECK(x.defined(), "split: called with an undefined tensor");
  TG_CHECK(x.dim() > 0, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  const int64_t n = x.size(d);
  TG_CHECK(split_size > 0 || (split_size == 0 && n == 0),
           "split: split_size must be positive, got {} (dim {} of shape {})", split_size, d, x.shape());
  if (n == 0) return {x.narrow(d, 0, 0)};
  tensor_list parts;
  parts.reserve(static_cast<size_t>((n + split_size - 1) / split_size));
  for (int64_t start = 0; start < n; start += split_size) parts.push_back(x.narrow(d, start, std::min(split_size, n - start)));
  return parts;
}

tensor_list chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  TG_CHECK(x.defined(), "chunk: called with an undefined tensor");
  TG_CHECK(chunks > 0, "chunk: chunks must be positive, got {}", chunks);
  TG_CHECK(x.dim() > 0, "chunk: cannot split a 0-d tensor");
  const int64_t n = x.size(wrap_dim(dim, x.dim(), "chunk"));
  // Pieces of ceil(n / chunks), as PyTorch: fewer than `chunks` pieces when n does not allow more.
  return split(x, (n + chunks - 1) / chunks, dim);
}

}  // namespace tg
