#include "swag/train/stop_signals.hpp"

#include <csignal>
#include <initializer_list>

namespace swag::train {
namespace {

volatile std::sig_atomic_t requested = 0;

extern "C" void on_stop_signal(int) {
  requested = 1;
}

}  // namespace

void install_stop_handlers() {
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) std::signal(s, on_stop_signal);
}

bool stop_requested() {
  return requested != 0;
}

}  // namespace swag::train
