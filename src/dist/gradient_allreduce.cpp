#include "swag/dist/gradient_allreduce.hpp"

#include <mpi.h>

#include "gradient_transport.hpp"
#include "swag/ops/optimizer_update.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/dist/nccl_communicator.hpp"
#endif

namespace swag::dist {
namespace {

// Non-blocking MPI all-reduce of host buffers, one request per bucket. A solo communicator
// (no MPI) starts nothing: its requests stay MPI_REQUEST_NULL and no MPI call is made on them
// (MPI_Wait and MPI_Test, even on a null request, must not be called without MPI_Init).
class MpiTransport final : public GradientTransport {
 public:
  explicit MpiTransport(const Communicator& comm) : comm_(comm) {}
  ~MpiTransport() override {
    for (MPI_Request& r : requests_)
      if (r != MPI_REQUEST_NULL) MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;

  int size() const override { return comm_.size(); }
  void start(std::size_t index, float* data, std::int64_t count) override {
    if (requests_.size() <= index) requests_.resize(index + 1, MPI_REQUEST_NULL);
    requests_[index] = comm_.start_allreduce_sum(data, count);
  }
  // Open MPI progresses non-blocking collectives inside MPI calls: give it one.
  void progress() override {
    for (MPI_Request& r : requests_) {
      if (r == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&r, &done, MPI_STATUS_IGNORE);
    }
  }
  void wait(std::size_t index) override {
    MPI_Request& r = requests_[index];
    if (r != MPI_REQUEST_NULL) MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
  void finished() override {}

 private:
  const Communicator& comm_;
  std::vector<MPI_Request> requests_;
};

std::unique_ptr<GradientTransport> transport_for(const Communicator& comm,
                                                 const nn::ParameterStore& params) {
  if (params.flat_grads().device() == Device::cpu) return std::make_unique<MpiTransport>(comm);
#ifdef SWAG_WITH_CUDA
  return nccl_transport(std::make_unique<NcclCommunicator>(comm));
#else
  fail(ExitCode::usage, "gradient all-reduce of GPU gradients needs a CUDA build");
#endif
}

}  // namespace

GradientAllReduce::GradientAllReduce(const Communicator& comm, nn::ParameterStore& params,
                                     std::int64_t bucket_bytes)
    : GradientAllReduce(transport_for(comm, params), params, bucket_bytes) {}

#ifdef SWAG_WITH_CUDA
GradientAllReduce::GradientAllReduce(const NcclCommunicator& nccl, nn::ParameterStore& params,
                                     std::int64_t bucket_bytes)
    : GradientAllReduce(nccl_transport(nccl), params, bucket_bytes) {
  SWAG_CHECK(params.flat_grads().device() == Device::cuda,
             "gradient all-reduce over NCCL needs the gradients on the GPU");
}
#endif

std::vector<GradientBucket> gradient_buckets(const nn::ParameterStore& params,
                                             std::int64_t bucket_bytes) {
  const auto& entries = params.entries();
  const std::int64_t limit = bucket_bytes / static_cast<std::int64_t>(sizeof(float));
  // Walk the parameters from the last; a bucket grows downward through the flat buffer (with
  // the alignment padding between tensors) until adding one more would pass the limit.
  std::vector<GradientBucket> buckets;
  GradientBucket current{-1, params.size(), 0};
  for (int i = static_cast<int>(entries.size()) - 1; i >= 0; --i) {
    const std::int64_t begin = entries[static_cast<std::size_t>(i)].offset;
    const std::int64_t end = current.offset + current.count;
    if (current.first_param >= 0 && end - begin > limit) {
      buckets.push_back(current);
      current = {-1, current.offset, 0};
    }
    const std::int64_t current_end = current.offset + current.count;
    current.first_param = i;
    current.offset = begin;
    current.count = current_end - begin;
  }
  if (current.first_param >= 0) buckets.push_back(current);
  return buckets;
}

GradientAllReduce::GradientAllReduce(std::unique_ptr<GradientTransport> transport,
                                     nn::ParameterStore& params, std::int64_t bucket_bytes)
    : params_(params), transport_(std::move(transport)) {
  for (const GradientBucket& b : gradient_buckets(params, bucket_bytes)) buckets_.push_back({b});
}

GradientAllReduce::~GradientAllReduce() {
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i].started) transport_->wait(i);
}

void GradientAllReduce::start(std::size_t index) {
  Bucket& b = buckets_[index];
  transport_->start(index, params_.flat_grads().data<float>() + b.offset, b.count);
  b.started = true;
}

void GradientAllReduce::ready_from(int first_param) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i].started) continue;
    if (buckets_[i].first_param < first_param) break;  // later buckets depend on earlier ones
    start(i);
  }
  transport_->progress();
}

void GradientAllReduce::finish() {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (!buckets_[i].started) start(i);
    transport_->wait(i);
    buckets_[i].started = false;
  }
  transport_->finished();
  if (transport_->size() > 1) {
    Tensor grads = params_.flat_grads();
    ops::scale(grads, 1.0f / static_cast<float>(transport_->size()));
  }
}

}  // namespace swag::dist
