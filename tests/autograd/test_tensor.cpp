// Tensor basics: deterministic factories, metadata, item/data_ptr, requires_grad/detach, to().
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using Catch::Contains;
using tg::Tensor;

// The elements of t in row-major order (t may be a non-contiguous view).
template <typename T> std::vector<T> elements(const Tensor& t) {
  const Tensor c = t.contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

}  // namespace

TEST_CASE("factories: zeros, ones, full, scalar_tensor in every dtype", "[tensor]") {
  const auto dtype = GENERATE(tg::kFloat, tg::kDouble, tg::kLong, tg::kBool);
  const Tensor z = tg::zeros({2, 3}, dtype);
  const Tensor o = tg::ones({2, 3}, dtype);
  const Tensor f = tg::full({4}, 2.0, dtype);
  CHECK(z.dtype() == dtype);
  CHECK(o.dtype() == dtype);
  CHECK(f.dtype() == dtype);
  CHECK(z.shape() == tg::Shape{2, 3});
  CHECK(z.is_contiguous());
  CHECK_FALSE(z.requires_grad());
  tg::dispatch(dtype, "test", [&]<typename T>() {
    CHECK(elements<T>(z) == std::vector<T>(6, T(0)));
    CHECK(elements<T>(o) == std::vector<T>(6, T(1)));
    CHECK(elements<T>(f) == std::vector<T>(4, static_cast<T>(2.0)));
  });
  const Tensor s = tg::scalar_tensor(1.0, dtype);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.shape().empty());
  CHECK(s.item<double>() == 1.0);
  CHECK(tg::zeros({0, 4}, dtype).numel() == 0);
}

TEST_CASE("factories: default dtype float32, requires_grad option", "[tensor]") {
  CHECK(tg::zeros({2}).dtype() == tg::kFloat);
  CHECK(tg::full({2}, 1.5).dtype() == tg::kFloat);
  const Tensor w = tg::ones({3}, tg::TensorOptions(tg::kDouble).requires_grad());
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
  CHECK(w.dtype() == tg::kDouble);
  CHECK_THROWS_WITH(tg::zeros({2}, tg::TensorOptions(tg::kLong).requires_grad()), Contains("requires_grad"));
  CHECK_THROWS_WITH(tg::zeros({2, -1}), Contains("[2, -1]"));
}

TEST_CASE("arange: ranges, steps, dtypes, errors", "[tensor]") {
  CHECK(elements<float>(tg::arange(5)) == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(elements<double>(tg::arange(1, 2, 0.25, tg::kDouble)) == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(elements<int64_t>(tg::arange(5, 0, -2, tg::kLong)) == std::vector<int64_t>{5, 3, 1});
  CHECK(tg::arange(0, 1, 0.3).numel() == 4);  // 0, 0.3, 0.6, 0.9: end excluded
  CHECK(tg::arange(3, 3).numel() == 0);
  CHECK(tg::arange(4, tg::kLong).dtype() == tg::kLong);
  CHECK_THROWS_WITH(tg::arange(0, 5, 0), Contains("arange"));
  CHECK_THROWS_WITH(tg::arange(0, 5, -1), Contains("arange"));
  CHECK_THROWS_WITH(tg::arange(0, INFINITY), Contains("arange"));
}

TEST_CASE("linspace: endpoints included, steps 0 and 1", "[tensor]") {
  CHECK(elements<double>(tg::linspace(0, 1, 5, tg::kDouble)) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(elements<double>(tg::linspace(2, -2, 3, tg::kDouble)) == std::vector<double>{2, 0, -2});
  CHECK(elements<float>(tg::linspace(3, 7, 1)) == std::vector<float>{3});  // one step: start, as in PyTorch
  CHECK(tg::linspace(0, 1, 0).numel() == 0);
  // The last value is exactly `end`, not start + (steps - 1) * step.
  CHECK(elements<double>(tg::linspace(0, 0.3, 4, tg::kDouble)).back() == 0.3);
  CHECK_THROWS_WITH(tg::linspace(0, 1, -1), Contains("linspace"));
}

TEST_CASE("eye: square and rectangular identity", "[tensor]") {
  CHECK(elements<float>(tg::eye(3)) == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  const Tensor r = tg::eye(2, 3, tg::kLong);
  CHECK(r.shape() == tg::Shape{2, 3});
  CHECK(elements<int64_t>(r) == std::vector<int64_t>{1, 0, 0, 0, 1, 0});
  CHECK(elements<bool>(tg::eye(2, tg::kBool)) == std::vector<bool>{true, false, false, true});
  CHECK(tg::eye(0).numel() == 0);
  CHECK_THROWS_WITH(tg::eye(-1), Contains("eye"));
}

TEST_CASE("tensor<T>: copies values, dtype from T", "[tensor]") {
  const Tensor f = tg::tensor<float>({1.5f, -2.0f, 3.0f, 4.0f}, {2, 2});
  CHECK(f.dtype() == tg::kFloat);
  CHECK(f.shape() == tg::Shape{2, 2});
  CHECK(elements<float>(f) == std::vector<float>{1.5f, -2.0f, 3.0f, 4.0f});
  CHECK(tg::tensor<double>({1, 2}).dtype() == tg::kDouble);
  CHECK(tg::tensor<int64_t>({1, 2}).dtype() == tg::kLong);
  const Tensor i = tg::tensor<int>({7, -8});
  CHECK(i.dtype() == tg::kLong);  // int is stored as int64
  CHECK(elements<int64_t>(i) == std::vector<int64_t>{7, -8});
  CHECK(elements<bool>(tg::tensor<bool>({true, false})) == std::vector<bool>{true, false});
  CHECK(tg::tensor<double>({2.5}, {}).dim() == 0);
  std::vector<double> src{1, 2, 3};
  const Tensor copy = tg::tensor(src);
  src[0] = 100;
  CHECK(copy.data_ptr<double>()[0] == 1);  // a copy, not a view of the vector
  CHECK_THROWS_WITH(tg::tensor<float>({1, 2, 3}, {2, 2}), Contains("tensor") && Contains("[2, 2]"));
}

TEST_CASE("from_blob: wraps caller memory without copying", "[tensor]") {
  std::vector<double> buffer{1, 2, 3, 4, 5, 6};
  const Tensor t = tg::from_blob(buffer.data(), {2, 3}, tg::kDouble);
  CHECK(t.shape() == tg::Shape{2, 3});
  CHECK(t.dtype() == tg::kDouble);
  CHECK(t.data_ptr<double>() == buffer.data());
  buffer[4] = 50;
  CHECK(elements<double>(t) == std::vector<double>{1, 2, 3, 4, 50, 6});
  t.data_ptr<double>()[0] = -1;
  CHECK(buffer[0] == -1);
  CHECK_THROWS_WITH(tg::from_blob(buffer.data(), {-1}, tg::kDouble), Contains("from_blob"));
  CHECK_THROWS_WITH(tg::from_blob(nullptr, {2}, tg::kDouble), Contains("from_blob"));
  CHECK(tg::from_blob(nullptr, {0}, tg::kFloat).numel() == 0);
}

TEST_CASE("from_blob: the deleter runs once, when the last view dies", "[tensor]") {
  int calls = 0;
  void* freed = nullptr;
  auto* data = new float[4]{1, 2, 3, 4};
  {
    Tensor view;
    {
      Tensor t = tg::from_blob(data, {2, 2}, tg::kFloat, [&](void* p) {
        ++calls;
        freed = p;
        delete[] static_cast<float*>(p);
      });
      view = t.t();
      CHECK(elements<float>(view) == std::vector<float>{1, 3, 2, 4});
    }
    CHECK(calls == 0);  // the transposed view still holds the storage
    CHECK(view.data_ptr<float>()[3] == 4);
  }
  CHECK(calls == 1);
  CHECK(freed == data);
}

TEST_CASE("*_like factories: shape of the source, its dtype unless given", "[tensor]") {
  const Tensor src = tg::arange(6, tg::kDouble).view({2, 3}).t().requires_grad_(true);
  REQUIRE_FALSE(src.is_contiguous());
  const Tensor z = tg::zeros_like(src);
  CHECK(z.shape() == tg::Shape{3, 2});
  CHECK(z.dtype() == tg::kDouble);
  CHECK(z.is_contiguous());
  CHECK_FALSE(z.requires_grad());
  CHECK(elements<double>(z) == std::vector<double>(6, 0.0));
  CHECK(elements<int64_t>(tg::ones_like(src, tg::kLong)) == std::vector<int64_t>(6, 1));
  CHECK(elements<float>(tg::full_like(src, -2.0, tg::kFloat)) == std::vector<float>(6, -2.0f));
  const Tensor e = tg::empty_like(src, tg::kBool);
  CHECK(e.shape() == src.shape());
  CHECK(e.dtype() == tg::kBool);
}

TEST_CASE("metadata: shape, strides, numel, dim, contiguity, offsets", "[tensor]") {
  const Tensor t = tg::zeros({2, 3, 4});
  CHECK(t.shape() == tg::Shape{2, 3, 4});
  CHECK(t.sizes() == t.shape());
  CHECK(t.strides() == tg::Shape{12, 4, 1});
  CHECK(t.numel() == 24);
  CHECK(t.dim() == 3);
  CHECK(t.size(-1) == 4);
  CHECK(t.size(0) == 2);
  CHECK(t.stride(1) == 4);
  CHECK(t.stride(-3) == 12);
  CHECK(t.itemsize() == 4);
  CHECK(t.is_floating_point());
  CHECK(t.is_contiguous());
  CHECK(t.storage_offset() == 0);
  CHECK(t.defined());

  const Tensor tr = t.transpose(0, 2);
  CHECK(tr.shape() == tg::Shape{4, 3, 2});
  CHECK(tr.strides() == tg::Shape{1, 4, 12});
  CHECK_FALSE(tr.is_contiguous());
  CHECK(tr.shares_storage(t));

  const Tensor sl = t.select(0, 1);
  CHECK(sl.storage_offset() == 12);
  CHECK(sl.is_contiguous());
  CHECK(tg::zeros({3}, tg::kLong).itemsize() == 8);
  CHECK(tg::zeros({3}, tg::kBool).itemsize() == 1);
  CHECK_FALSE(tg::zeros({3}, tg::kLong).is_floating_point());

  CHECK_THROWS_WITH(t.size(3), Contains("size"));
  CHECK_THROWS_WITH(t.stride(-4), Contains("stride"));
  CHECK_FALSE(Tensor().defined());
  CHECK_THROWS_WITH(Tensor().shape(), Contains("shape") && Contains("undefined"));
  CHECK_THROWS_WITH(Tensor().numel(), Contains("numel"));
}

TEST_CASE("item: the one element, converted", "[tensor]") {
  CHECK(tg::tensor<double>({2.75}, {1, 1}).item<double>() == 2.75);
  CHECK(tg::tensor<double>({2.75}).item<int64_t>() == 2);
  CHECK(tg::scalar_tensor(5, tg::kLong).item<float>() == 5.0f);
  CHECK(tg::scalar_tensor(1, tg::kBool).item<bool>());
  CHECK(tg::arange(4).select(0, 3).item<float>() == 3.0f);  // a view with an offset
  CHECK_THROWS_WITH(tg::zeros({2}).item<float>(), Contains("item") && Contains("[2]"));
  CHECK_THROWS_WITH(tg::zeros({0}).item<float>(), Contains("item"));
}

TEST_CASE("data_ptr: checked against the dtype", "[tensor]") {
  const Tensor f = tg::zeros({2});
  CHECK(f.data_ptr<float>() != nullptr);
  CHECK(f.raw_data() == f.data_ptr<float>());
  CHECK_THROWS_AS(f.data_ptr<double>(), tg::Error);
  CHECK_THROWS_WITH(f.data_ptr<double>(), Contains("data_ptr") && Contains("float32") && Contains("float64"));
  CHECK_THROWS_WITH(tg::zeros({2}, tg::kLong).data_ptr<bool>(), Contains("int64") && Contains("bool"));
  const Tensor s = tg::arange(6, tg::kLong).select(0, 2);
  CHECK(*s.data_ptr<int64_t>() == 2);  // points at the view's first element
}

TEST_CASE("requires_grad_: only float tensors, only leaves may turn it off", "[tensor]") {
  const auto dtype = GENERATE(tg::kLong, tg::kBool);
  Tensor i = tg::zeros({2}, dtype);
  CHECK_THROWS_WITH(i.requires_grad_(true), Contains("requires_grad_") && Contains(std::string(tg::dtype_name(dtype))));
  CHECK_FALSE(i.requires_grad());
  CHECK_NOTHROW(i.requires_grad_(false));

  Tensor a = tg::ones({2}, tg::kDouble);
  CHECK_FALSE(a.requires_grad());
  CHECK(a.is_leaf());
  a.requires_grad_();
  CHECK(a.requires_grad());
  CHECK(a.is_leaf());
  CHECK(a.grad_fn() == nullptr);
  a.requires_grad_(false);
  CHECK_FALSE(a.requires_grad());
  a.requires_grad_(true);

  Tensor b = a * a;
  CHECK(b.requires_grad());
  CHECK_FALSE(b.is_leaf());
  CHECK(b.grad_fn() != nullptr);
  CHECK_THROWS_WITH(b.requires_grad_(false), Contains("requires_grad_") && Contains("leaf"));
}

TEST_CASE("detach: same storage, cut from the graph", "[tensor]") {
  const Tensor a = tg::tensor<double>({1, 2, 3}).requires_grad_(true);
  const Tensor b = a * a;
  const Tensor d = b.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.grad_fn() == nullptr);
  CHECK(d.shares_storage(b));
  CHECK(d.data_ptr<double>() == b.data_ptr<double>());
  CHECK(elements<double>(d) == std::vector<double>{1, 4, 9});
  // detach_ cuts the tensor itself.
  Tensor c = a * 2.0;
  c.detach_();
  CHECK_FALSE(c.requires_grad());
  CHECK(c.grad_fn() == nullptr);
  CHECK(a.detach().is_leaf());
  CHECK_FALSE(a.detach().requires_grad());
  CHECK(a.requires_grad());  // detaching a view does not touch the original
}

TEST_CASE("to: dtype conversion", "[tensor]") {
  const Tensor d = tg::tensor<double>({2.7, -2.7, 0.0, 1.0});
  CHECK(elements<int64_t>(d.to(tg::kLong)) == std::vector<int64_t>{2, -2, 0, 1});  // truncation
  CHECK(elements<bool>(d.to(tg::kBool)) == std::vector<bool>{true, true, false, true});
  CHECK(elements<float>(d.to(tg::kFloat)) == std::vector<float>{2.7f, -2.7f, 0.0f, 1.0f});
  CHECK(elements<double>(tg::tensor<bool>({true, false}).to(tg::kDouble)) == std::vector<double>{1, 0});
  CHECK(elements<float>(tg::tensor<int64_t>({-3, 4}).to(tg::kFloat)) == std::vector<float>{-3, 4});
  CHECK(d.to(tg::kDouble).is_same(d));  // no copy when the dtype already matches
  const Tensor nc = tg::arange(6, tg::kLong).view({2, 3}).t();
  const Tensor conv = nc.to(tg::kDouble);
  CHECK(conv.shape() == tg::Shape{3, 2});
  CHECK(elements<double>(conv) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK_THROWS_WITH(Tensor().to(tg::kFloat), Contains("to"));
}

TEST_CASE("to: gradients flow back through float conversions only", "[tensor]") {
  const Tensor a = tg::tensor<double>({1.5, -2.0}).requires_grad_(true);
  const Tensor f = a.to(tg::kFloat);
  CHECK(f.requires_grad());
  CHECK(f.grad_fn() != nullptr);
  (f * f).sum().backward();
  REQUIRE(a.grad().defined());
  CHECK(a.grad().dtype() == tg::kDouble);
  CHECK(elements<double>(a.grad()) == std::vector<double>{3.0, -4.0});
  const Tensor i = a.to(tg::kLong);
  CHECK_FALSE(i.requires_grad());
  CHECK(i.grad_fn() == nullptr);
}
