// How GradientAllReduce's buckets travel. The bucket cutting, the start order and the averaging
// are GradientAllReduce's (one piece for every transport); a transport sums one bucket over the
// ranks and says when the sums are done.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace swag::dist {

class NcclCommunicator;

class GradientTransport {
 public:
  virtual ~GradientTransport() = default;
  virtual int size() const = 0;
  // Starts the in-place sum over the ranks of bucket `index` (count floats at data).
  virtual void start(std::size_t index, float* data, std::int64_t count) = 0;
  // Lets the started sums progress (after each ready_from).
  virtual void progress() = 0;
  // Bucket `index` was started: its sum is done (or ordered before what follows) on return.
  virtual void wait(std::size_t index) = 0;
  // Every bucket has been waited for; what follows may use the sums.
  virtual void finished() = 0;
};

#ifdef SWAG_WITH_CUDA
// Over NCCL (src/dist/nccl/): on `comm`'s stream, ordered against the CUDA context's stream.
// The second form owns its communicator.
std::unique_ptr<GradientTransport> nccl_transport(const NcclCommunicator& comm);
std::unique_ptr<GradientTransport> nccl_transport(std::unique_ptr<NcclCommunicator> comm);
#endif

}  // namespace swag::dist
