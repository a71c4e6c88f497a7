#include "swag/dist/gradient_allreduce.hpp"

#include "swag/ops/optimizer_update.hpp"

namespace swag::dist {

GradientAllReduce::GradientAllReduce(const Communicator& comm, nn::ParameterStore& params,
                                     std::int64_t bucket_bytes)
    : comm_(comm), params_(params) {
  const auto& entries = params.entries();
  const std::int64_t limit = bucket_bytes / static_cast<std::int64_t>(sizeof(float));
  // Walk the parameters from the last; a bucket grows downward through the flat buffer (with
  // the alignment padding between tensors) until adding one more would pass the limit.
  Bucket current{-1, params.size(), 0};
  for (int i = static_cast<int>(entries.size()) - 1; i >= 0; --i) {
    const std::int64_t begin = entries[static_cast<std::size_t>(i)].offset;
    const std::int64_t end = current.offset + current.count;
    if (current.first_param >= 0 && end - begin > limit) {
      buckets_.push_back(current);
      current = {-1, current.offset, 0};
    }
    const std::int64_t current_end = current.offset + current.count;
    current.first_param = i;
    current.offset = begin;
    current.count = current_end - begin;
  }
  if (current.first_param >= 0) buckets_.push_back(current);
}

GradientAllReduce::~GradientAllReduce() {
  for (auto& b : buckets_)
    if (b.started) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
}

void GradientAllReduce::start(Bucket& b) {
  b.request = comm_.start_allreduce_sum(params_.flat_grads().data<float>() + b.offset, b.count);
  b.started = true;
}

void GradientAllReduce::ready_from(int first_param) {
  for (auto& b : buckets_) {
    if (b.started) continue;
    if (b.first_param < first_param) break;  // later buckets depend on earlier parameters
    start(b);
  }
  // Open MPI progresses non-blocking collectives inside MPI calls: give it one.
  for (auto& b : buckets_) {
    if (!b.started || b.request == MPI_REQUEST_NULL) continue;
    int done = 0;
    MPI_Test(&b.request, &done, MPI_STATUS_IGNORE);
  }
}

void GradientAllReduce::finish() {
  for (auto& b : buckets_) {
    if (!b.started) start(b);
    MPI_Wait(&b.request, MPI_STATUS_IGNORE);
    b.started = false;
  }
  if (comm_.size() > 1) {
    Tensor grads = params_.flat_grads();
    ops::scale(grads, 1.0f / static_cast<float>(comm_.size()));
  }
}

}  // namespace swag::dist
