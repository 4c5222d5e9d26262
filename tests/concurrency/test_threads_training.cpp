// Two models trained at once in two threads end bit-identical to the same two runs one after the
// other. Random numbers come from one global generator (thread-safe, but draws from two threads
// interleave), so the models are built and the data drawn before the threads start, and the models
// use no dropout.
#include <tapegrad/tapegrad.h>

#include <catch2/catch.hpp>

#include <thread>

using namespace tg;

namespace {

struct Run {
  std::shared_ptr<nn::Sequential> model;
  Tensor x, y;
};

Run make_run(uint64_t seed) {
  manual_seed(seed);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(20, 32));
  m->push_back(std::make_shared<nn::BatchNorm1d>(32));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(32, 4));
  return {m, randn({64, 20}), randint(0, 4, {64})};
}

// Adam on mini-batches of 16; returns every parameter and buffer after training.
nn::StateDict train(const Run& r) {
  optim::Adam opt(r.model->parameters(), {.lr = 1e-2});
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (int64_t start = 0; start < 64; start += 16) {
      Tensor loss = cross_entropy(r.model->forward(r.x.narrow(0, start, 16)), r.y.narrow(0, start, 16));
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
  }
  nn::StateDict out;
  for (const auto& [k, t] : r.model->state_dict()) out.emplace_back(k, t.detach().clone());
  return out;
}

}  // namespace

TEST_CASE("two threads training separate models at once match one after the other, bit for bit", "[threads]") {
  const nn::StateDict serial_a = train(make_run(1)), serial_b = train(make_run(2));
  const Run a = make_run(1), b = make_run(2);
  nn::StateDict par_a, par_b;
  std::thread ta([&] { par_a = train(a); });
  std::thread tb([&] { par_b = train(b); });
  ta.join();
  tb.join();
  for (const auto& [serial, par] : {std::pair{&serial_a, &par_a}, std::pair{&serial_b, &par_b}}) {
    REQUIRE(par->size() == serial->size());
    for (size_t i = 0; i < serial->size(); ++i) {
      INFO((*serial)[i].first);
      REQUIRE(equal((*par)[i].second, (*serial)[i].second));
    }
  }
  REQUIRE_FALSE(equal(par_a[0].second, par_b[0].second));  // two different models really trained
}

TEST_CASE("threads share one model for inference under NoGradGuard", "[threads]") {
  Run r = make_run(3);
  r.model->eval();
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = r.model->forward(r.x);
  }
  std::vector<Tensor> outs(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outs.size(); ++i)
    threads.emplace_back([&, i] {
      NoGradGuard no_grad;
      for (int k = 0; k < 5; ++k) outs[i] = r.model->forward(r.x);
    });
  for (auto& t : threads) t.join();
  for (const Tensor& o : outs) REQUIRE(equal(o, expected));
}
