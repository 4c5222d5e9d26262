// A user-defined differentiable op, checked with gradcheck, then used to train a tiny model.
//
//   build/release/examples/custom_op
//
// The op is a "smooth ReLU" (softplus with a sharpness beta): y = log(1 + exp(beta x)) / beta.
// Its derivative is sigmoid(beta x). forward runs without the tape; backward is written with
// tensor ops, so it is itself differentiable (gradgradcheck passes too).
#include <tapegrad/tapegrad.h>

#include <cstdio>

namespace {

struct SmoothRelu : tg::autograd::Function<SmoothRelu> {
  static constexpr const char* name = "SmoothReluBackward";

  static tg::Tensor forward(tg::autograd::Context& ctx, const tg::Tensor& x, double beta) {
    ctx.save_for_backward({x});
    ctx.saved_data["beta"] = beta;
    // log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow for large z.
    tg::Tensor z = x * beta;
    return (tg::relu(z) + tg::log(tg::exp(-tg::abs(z)) + 1.0)) / beta;
  }

  static tg::tensor_list backward(tg::autograd::Context& ctx, const tg::tensor_list& grads) {
    const tg::Tensor& x = ctx.saved_tensors()[0];
    const double beta = ctx.get<double>("beta");
    return {grads[0] * tg::sigmoid(x * beta), tg::Tensor()};  // no gradient for beta
  }
};

tg::Tensor smooth_relu(const tg::Tensor& x, double beta = 2.0) { return SmoothRelu::apply(x, beta); }

}  // namespace

int main() {
  tg::manual_seed(0);

  // 1. Check the hand-written backward against finite differences (float64).
  auto fn = [](const tg::tensor_list& in) { return tg::tensor_list{smooth_relu(in[0])}; };
  tg::Tensor probe = tg::randn({4, 3}, tg::kDouble).requires_grad_(true);
  auto first = tg::autograd::gradcheck(fn, {probe});
  auto second = tg::autograd::gradgradcheck(fn, {probe});
  std::printf("gradcheck: %s  gradgradcheck: %s\n", first.ok ? "ok" : first.message.c_str(),
              second.ok ? "ok" : second.message.c_str());
  if (!first.ok || !second.ok) return 1;

  // 2. Use it: fit y = |x| with a 1-16-1 network whose hidden layer is the custom op.
  tg::Tensor x = tg::linspace(-2, 2, 64).view({64, 1});
  tg::Tensor y = tg::abs(x);
  tg::Tensor w1 = (tg::randn({1, 16}) * 1.0).requires_grad_(true);
  tg::Tensor b1 = tg::zeros({16}).requires_grad_(true);
  tg::Tensor w2 = (tg::randn({16, 1}) * 0.25).requires_grad_(true);
  tg::Tensor b2 = tg::zeros({1}).requires_grad_(true);
  const double lr = 0.05;
  double first_loss = 0, loss_value = 0;
  for (int step = 0; step < 1500; ++step) {
    tg::Tensor pred = tg::matmul(smooth_relu(tg::matmul(x, w1) + b1), w2) + b2;
    tg::Tensor loss = ((pred - y) * (pred - y)).mean();
    loss.backward();
    loss_value = loss.item<double>();
    if (step == 0) first_loss = loss_value;
    tg::NoGradGuard no_grad;
    for (tg::Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->sub_(p->grad() * lr);
      p->mutable_grad() = tg::Tensor();
    }
    if (step % 300 == 0) std::printf("step %4d  mse %.5f\n", step, loss_value);
  }
  std::printf("final mse %.5f (from %.5f)\n", loss_value, first_loss);
  return loss_value < 0.1 * first_loss ? 0 : 1;
}
