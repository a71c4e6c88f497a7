// The names inside a shard file (doc/formats.md, "Shards"), shared by writer and reader.
#pragma once

namespace swag::data::shard_format {

inline constexpr const char* format = "swag-shard";
inline constexpr int version = 1;

inline constexpr const char* jpeg = "/images/jpeg";  // uint8, all JPEG files back to back
inline constexpr const char* jpeg_offsets = "/images/offsets";   // int64 [N+1]
inline constexpr const char* ids = "/images/ids";                // int64 [N], manifest line numbers
inline constexpr const char* sizes = "/images/sizes";            // int32 [N, 2], height and width
inline constexpr const char* label_offsets = "/labels/offsets";  // int64 [N+1]
inline constexpr const char* label_classes = "/labels/classes";  // int32 [nnz]

}  // namespace swag::data::shard_format
