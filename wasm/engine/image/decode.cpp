#include "image/decode.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// stb_image is compiled here and only here, limited to the formats camlens accepts, and guarded:
// the checks below refuse or repair, before stb sees them, the inputs it mishandles. Guarding keeps
// BMP and GIF (which the CLI and the tests accept) and adds no library to either build; libpng and
// libjpeg-turbo would be two more dependencies to port and keep for the page. Files are read by
// decode_image_file so that its errors can name them: stb needs no stdio.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_STDIO
#include <stb/stb_image.h>

#include "core/error.h"
#include "image/exif.h"

namespace camlens {

namespace {

enum class Format { png, jpeg, bmp, gif };

// As fail(), with an Error subclass a caller can catch apart.
template <typename SpecificError, typename... Parts>
[[noreturn]] void fail_as(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw SpecificError(message.str());
}

const char* format_name(Format format) {
  switch (format) {
    case Format::png: return "PNG";
    case Format::jpeg: return "JPEG";
    case Format::bmp: return "BMP";
    case Format::gif: return "GIF";
  }
  return "image";
}

// Known by its magic bytes, so an unsupported file gets a clear message rather than stb's
// "unknown image type", and failures can name the format.
std::optional<Format> sniff_format(std::span<const std::uint8_t> bytes) {
  auto starts_with = [&](std::string_view magic) {
    return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
  };
  if (starts_with("\x89PNG\r\n\x1a\n")) return Format::png;
  if (starts_with("\xFF\xD8\xFF")) return Format::jpeg;
  if (starts_with("GIF87a") || starts_with("GIF89a")) return Format::gif;
  if (starts_with("BM")) return Format::bmp;
  return std::nullopt;
}

std::string first_bytes_in_hex(std::span<const std::uint8_t> bytes) {
  std::ostringstream hex;
  hex << std::hex << std::setfill('0');
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) hex << (i ? " " : "") << std::setw(2) << int{bytes[i]};
  return hex.str();
}

// stb keeps its last failure reason in a global. Its loader probes PNG before the other formats and
// the probe leaves "bad png sig" behind, and some failing paths set no reason of their own (a cut-off
// Huffman or quantisation table just returns 0). So the reason is cleared before each call, and a
// leftover from the PNG probe is not passed off as the reason a JPEG, BMP or GIF failed.
void clear_stb_reason() { stbi__g_failure_reason = nullptr; }

// Bytes as text a terminal shows safely: printable ASCII as is, anything else as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      static const char* digits = "0123456789abcdef";
      out += {'\\', 'x', digits[byte >> 4], digits[byte & 15]};
    }
  }
  return out;
}

std::string stb_reason(Format format) {
  const char* reason = stbi_failure_reason();
  if (reason == nullptr || *reason == '\0' || (format != Format::png && std::strcmp(reason, "bad png sig") == 0)) {
    return "stb_image gave no reason";
  }
  return "stb_image: " + printable(reason);
}

// stb's own info call tries every format in turn and, when all fail, reports "unknown image type",
// losing the reason the file's own format gave: ask that format alone.
int stb_info(Format format, std::span<const std::uint8_t> bytes, int* width, int* height, int* channels) {
  stbi__context context;
  stbi__start_mem(&context, bytes.data(), static_cast<int>(bytes.size()));
  switch (format) {
    case Format::png: return stbi__png_info(&context, width, height, channels);
    case Format::jpeg: return stbi__jpeg_info(&context, width, height, channels);
    case Format::bmp: return stbi__bmp_info(&context, width, height, channels);
    case Format::gif: return stbi__gif_info(&context, width, height, channels);
  }
  return 0;
}

void check_size_limits(std::int64_t width, std::int64_t height, std::int64_t max_pixels, const std::string& source) {
  if (width <= 0 || height <= 0) fail("cannot decode ", source, ": its header says ", width, "x", height, " pixels");
  // In double: two 32-bit sides from a PNG header overflow a 64-bit product.
  const double pixels = static_cast<double>(width) * static_cast<double>(height);
  if (width > kMaxImageSide || height > kMaxImageSide || pixels > static_cast<double>(max_pixels)) {
    std::ostringstream megapixels;
    megapixels << std::fixed << std::setprecision(1) << pixels / 1e6;
    fail_as<ImageTooLargeError>("cannot decode ", source, ": the image is ", width, "x", height, " (",
                                megapixels.str(), " megapixels), over the limits of ", kMaxImageSide,
                                " pixels a side and ", static_cast<double>(max_pixels) / 1e6,
                                " megapixels; downscale it first");
  }
}

std::uint32_t read_u32_big_endian(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

std::uint32_t read_u32_little_endian(const std::uint8_t* p) {
  return std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0];
}

// stb's own header probe refuses a large RGB PNG ("too large") before telling its size, so the
// size of a PNG is read here from IHDR (always the first chunk, at a fixed offset) to say it.
void check_png_size_limits(std::span<const std::uint8_t> png, std::int64_t max_pixels, const std::string& source) {
  if (png.size() >= 24 && std::memcmp(&png[12], "IHDR", 4) == 0) {
    check_size_limits(read_u32_big_endian(&png[16]), read_u32_big_endian(&png[20]), max_pixels, source);
  }
}

// What is wrong with IHDR's fields (after the size, checked apart), or "" when nothing is: stb
// reports several of these as one "unknown image type".
std::string png_ihdr_problem(const std::uint8_t* ihdr) {
  const int depth = ihdr[8], colour_type = ihdr[9], compression = ihdr[10], filter = ihdr[11], interlace = ihdr[12];
  if (colour_type != 0 && colour_type != 2 && colour_type != 3 && colour_type != 4 && colour_type != 6) {
    return "PNG colour type " + std::to_string(colour_type) + " is invalid; PNG defines 0, 2, 3, 4 and 6";
  }
  const bool low_depths = colour_type == 0 || colour_type == 3;  // gray and palette also take 1, 2 and 4 bits
  const bool depth_ok = depth == 8 || (depth == 16 && colour_type != 3) ||
                        (low_depths && (depth == 1 || depth == 2 || depth == 4));
  const char* depths = colour_type == 0 ? "1, 2, 4, 8, 16" : colour_type == 3 ? "1, 2, 4, 8" : "8, 16";
  if (!depth_ok) {
    return "PNG bit depth " + std::to_string(depth) + " is invalid for colour type " + std::to_string(colour_type) +
           "; it allows " + depths;
  }
  if (compression != 0) return "PNG compression method " + std::to_string(compression) + " is not supported; PNG defines 0 only";
  if (filter != 0) return "PNG filter method " + std::to_string(filter) + " is not supported; PNG defines 0 only";
  if (interlace > 1) return "PNG interlace method " + std::to_string(interlace) + " is invalid; PNG defines 0 and 1";
  return "";
}

bool is_letter(std::uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Walks a PNG's chunks up to IEND or the end of the bytes: returns what is wrong with them, or ""
// when nothing is. Sets `empty_idat` when an IDAT chunk holds no bytes, which stb (2022) copies
// from a null buffer.
std::string png_chunks_problem(std::span<const std::uint8_t> png, bool& empty_idat) {
  size_t pos = 8;  // after the signature
  for (bool first = true; png.size() - pos >= 8; first = false) {
    const std::uint32_t length = read_u32_big_endian(&png[pos]);
    const std::uint8_t* type = &png[pos + 4];
    if (!std::all_of(type, type + 4, is_letter)) {
      return "its PNG data is corrupt: the chunk at byte " + std::to_string(pos) + " has the type " +
             first_bytes_in_hex(std::span<const std::uint8_t>(type, 4)) + ", which is not four letters";
    }
    const std::string name(type, type + 4);
    if (length > 0x7FFFFFFFu) {
      return "its PNG data is corrupt: its " + name + " chunk announces " + std::to_string(length) +
             " bytes, more than the 2^31 - 1 PNG allows";
    }
    if (first && name == "IHDR" && length == 13 && png.size() - pos >= 8 + 13) {
      const std::string problem = png_ihdr_problem(&png[pos + 8]);
      if (!problem.empty()) return problem;
    }
    if (name == "IDAT" && length == 0) empty_idat = true;
    if (name == "IEND") break;
    // stb reserves a chunk's announced length before reading it: a few bytes would ask for 2 GB.
    if (png.size() - pos < 12 + std::uint64_t{length}) {
      return "its PNG data is truncated: the " + name + " chunk at byte " + std::to_string(pos) + " announces " +
             std::to_string(length) + " bytes, and " + std::to_string(png.size() - pos - 8) + " follow";
    }
    pos += 12 + size_t{length};
  }
  return "";
}

// The PNG without its empty IDAT chunks: they add no data, so the picture is the same.
std::vector<std::uint8_t> without_empty_idats(std::span<const std::uint8_t> png) {
  std::vector<std::uint8_t> out(png.begin(), png.begin() + 8);
  size_t pos = 8;
  while (png.size() - pos >= 12) {
    const size_t chunk = 12 + size_t{read_u32_big_endian(&png[pos])};
    if (chunk > png.size() - pos) break;
    if (!(chunk == 12 && std::memcmp(&png[pos + 4], "IDAT", 4) == 0)) {
      out.insert(out.end(), png.begin() + static_cast<std::ptrdiff_t>(pos), png.begin() + static_cast<std::ptrdiff_t>(pos + chunk));
    }
    pos += chunk;
  }
  out.insert(out.end(), png.begin() + static_cast<std::ptrdiff_t>(pos), png.end());
  return out;
}

// stb reads past the end of a BMP or GIF as zeros and reports success, so a cut-off file would
// decode as a partly black picture. These say what is missing, or nothing when all is there.
std::string bmp_shortfall(std::span<const std::uint8_t> bmp) {
  if (bmp.size() < 30) return "its header is cut off";
  const std::uint32_t pixels_at = read_u32_little_endian(&bmp[10]);
  const std::uint32_t header_size = read_u32_little_endian(&bmp[14]);
  std::int64_t width = 0, height = 0, bits = 0;
  if (header_size == 12) {  // BITMAPCOREHEADER: 16-bit sizes
    width = bmp[18] | bmp[19] << 8;
    height = bmp[20] | bmp[21] << 8;
    bits = bmp[24] | bmp[25] << 8;
  } else {
    if (bmp.size() < 34) return "its header is cut off";
    const std::uint32_t compression = read_u32_little_endian(&bmp[30]);
    if (compression != 0 && compression != 3) return "";  // stb refuses the other compressions itself
    width = static_cast<std::int32_t>(read_u32_little_endian(&bmp[18]));
    height = static_cast<std::int32_t>(read_u32_little_endian(&bmp[22]));  // negative: rows top-down
    bits = bmp[28] | bmp[29] << 8;
  }
  const std::int64_t row_bytes = (width * bits + 31) / 32 * 4;  // rows are padded to 4 bytes
  const std::int64_t needed = std::int64_t{pixels_at} + row_bytes * (height < 0 ? -height : height);
  if (static_cast<std::int64_t>(bmp.size()) >= needed) return "";
  std::ostringstream what;
  what << "its header announces " << needed << " bytes with the pixel rows, it has " << bmp.size();
  return what.str();
}

std::string gif_shortfall(std::span<const std::uint8_t> gif) {
  const size_t size = gif.size();
  size_t pos = 13;  // signature and logical screen descriptor
  auto colour_table_bytes = [](std::uint8_t packed) { return packed & 0x80 ? size_t{3} << ((packed & 7) + 1) : 0; };
  auto skip_sub_blocks = [&] {  // data sub-blocks: a length byte, then that many bytes; 0 ends them
    while (pos < size) {
      const size_t length = gif[pos++];
      if (length == 0) return true;
      pos += length;
    }
    return false;
  };
  if (size < pos) return "its header is cut off";
  pos += colour_table_bytes(gif[10]);
  while (pos < size) {
    const std::uint8_t block = gif[pos++];
    if (block == 0x21) {  // extension: label, then sub-blocks
      ++pos;
      if (!skip_sub_blocks()) break;
    } else if (block == 0x2C) {  // first image: descriptor, local colour table, LZW code size, data
      if (size - pos < 9) break;
      pos += 9 + colour_table_bytes(gif[pos + 8]) + 1;
      return skip_sub_blocks() ? "" : "its first frame is cut off";
    } else {
      return "";  // a trailer or an unknown block: stb reports those itself
    }
  }
  return "it ends before its first frame";
}

// The Huffman tables a scan decodes with must have been defined: stb keeps its tables in memory it
// does not clear, and decodes with whatever is there. A baseline scan reads each component's DC and
// AC tables; a progressive one its DC tables in a first DC pass (Ss = 0, Ah = 0), its AC tables
// in an AC pass (Ss > 0), and none when refining DC. Returns what is missing, or "".
std::string jpeg_scan_problem(std::span<const std::uint8_t> scan, bool progressive, const bool (&defined)[2][4]) {
  const size_t components = scan.empty() ? 0 : scan[0];
  if (scan.size() < 1 + 2 * components + 3) return "";  // a short scan header: stb reports it
  const std::uint8_t first = scan[1 + 2 * components], refinement = scan[3 + 2 * components] >> 4;
  const bool uses_dc = !progressive || (first == 0 && refinement == 0), uses_ac = !progressive || first > 0;
  for (size_t c = 0; c < components; ++c) {
    const int tables[2] = {scan[2 + 2 * c] >> 4, scan[2 + 2 * c] & 15};
    for (int kind = 0; kind < 2; ++kind) {
      if (!(kind == 0 ? uses_dc : uses_ac) || tables[kind] > 3) continue;  // stb refuses ids above 3
      if (!defined[kind][tables[kind]]) {
        return std::string("a scan decodes with the ") + (kind == 0 ? "DC" : "AC") + " Huffman table " +
               std::to_string(tables[kind]) + ", which no DHT segment before it defines";
      }
    }
  }
  return "";
}

// Debian's stb_image (2022) writes past its 256-entry Huffman tables when a DHT segment announces
// more than 256 codes (upstream checks since 2.28), and decodes a scan with tables no segment
// defined, so such files are refused here first. DHT segments may also sit between the scans of a
// progressive JPEG: the walk steps over entropy-coded data to the next marker. Everything else
// about the segments is left to stb.
std::string jpeg_huffman_problem(std::span<const std::uint8_t> jpeg) {
  const size_t size = jpeg.size();
  size_t pos = 2;
  bool progressive = false;
  bool defined[2][4] = {};  // [DC, AC][table id]
  while (size - pos >= 4) {  // pos <= size holds throughout
    const std::uint8_t marker = jpeg[pos + 1];
    if (jpeg[pos] != 0xFF || marker == 0x00 || marker == 0xFF || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += jpeg[pos] == 0xFF && marker != 0xFF ? 2 : 1;  // entropy-coded data, stuffing, fill or restart
      continue;
    }
    if (marker == 0xD9) return "";  // end of image
    const size_t length = size_t{jpeg[pos + 2]} << 8 | jpeg[pos + 3];
    if (length < 2) return "";  // stb reports it
    if (marker == 0xC2) progressive = true;
    if (marker == 0xC4) {
      // Tables follow each other (class/id byte, 16 code counts, the codes). stb starts another
      // while the segment has a byte left, and reads the counts that are there even when the
      // segment or the file is cut short (missing bytes read as 0).
      const size_t end = pos + 2 + length;
      size_t table = pos + 4;
      while (table < end && table < size) {
        size_t codes = 0;
        for (size_t i = 1; i <= 16 && table + i < size; ++i) codes += jpeg[table + i];
        if (codes > 256) return "a Huffman table (DHT) announces " + std::to_string(codes) + " codes, 256 at most exist";
        const int kind = jpeg[table] >> 4, id = jpeg[table] & 15;
        if (kind <= 1 && id <= 3) defined[kind][id] = true;
        table += 17 + codes;
      }
    }
    if (marker == 0xDA) {
      const size_t header_end = std::min(size, pos + 2 + length);
      const std::string problem = jpeg_scan_problem(jpeg.subspan(pos + 4, header_end - std::min(header_end, pos + 4)),
                                                    progressive, defined);
      if (!problem.empty()) return problem;
    }
    if (length > size - pos - 2) return "";  // the segment runs past the end: nothing follows it
    pos += 2 + length;
  }
  return "";
}

// Everything that can be refused before stb allocates pixels; returns the channels the file stores.
int check_header(Format format, std::span<const std::uint8_t> bytes, std::int64_t max_pixels,
                 const std::string& source) {
  if (format == Format::png) check_png_size_limits(bytes, max_pixels, source);
  if (format == Format::jpeg) {  // before stb's header probe, which already builds Huffman tables
    const std::string problem = jpeg_huffman_problem(bytes);
    if (!problem.empty()) fail("cannot decode ", source, ": the JPEG file is corrupt: ", problem);
  }
  int width = 0, height = 0, stored_channels = 0;
  clear_stb_reason();
  if (!stb_info(format, bytes, &width, &height, &stored_channels)) {
    fail("cannot decode ", source, ": its ", format_name(format), " header is truncated or corrupt (",
         stb_reason(format), ")");
  }
  // stb reports a top-down BMP's height as negative, as the file stores it.
  check_size_limits(width, format == Format::bmp ? std::abs(std::int64_t{height}) : height, max_pixels, source);
  const std::string shortfall = format == Format::bmp   ? bmp_shortfall(bytes)
                                : format == Format::gif ? gif_shortfall(bytes)
                                                        : "";
  if (!shortfall.empty()) fail("cannot decode ", source, ": the ", format_name(format), " file is truncated: ", shortfall);
  return stored_channels;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) fail("cannot open image file ", path, ": ", std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  if (std::ferror(file.get())) fail("cannot read image file ", path, ": ", std::strerror(errno));
  return bytes;
}

}  // namespace

Image decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options, const std::string& source) {
  const int wanted = options.channels;
  if (wanted != 0 && wanted != 1 && wanted != 3 && wanted != 4) {
    fail("decode_image: DecodeOptions::channels is 0 (as stored), 1, 3 or 4, got ", wanted);
  }
  if (bytes.empty()) fail("cannot decode ", source, ": it is empty (0 bytes)");
  const std::optional<Format> format = sniff_format(bytes);
  if (!format) {
    fail_as<NotAnImageError>("cannot decode ", source, ": not a PNG, JPEG, BMP or GIF file (it starts with bytes ",
                             first_bytes_in_hex(bytes), ")");
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    fail("cannot decode ", source, ": ", bytes.size(), " bytes is more than an image file can be (2 GiB)");
  }
  // A PNG's chunks are checked first; one with empty IDAT chunks is decoded from a copy without them.
  std::vector<std::uint8_t> repaired;
  if (*format == Format::png) {
    bool empty_idat = false;
    const std::string problem = png_chunks_problem(bytes, empty_idat);
    if (!problem.empty()) fail("cannot decode ", source, ": ", problem);
    if (empty_idat) {
      repaired = without_empty_idats(bytes);
      bytes = repaired;
    }
  }
  const int stored_channels = check_header(*format, bytes, options.max_pixels, source);
  const int channels = wanted != 0 ? wanted : stored_channels == 2 ? 4 : stored_channels;
  int decoded_width = 0, decoded_height = 0, file_channels = 0;
  clear_stb_reason();
  std::uint8_t* pixels =
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &decoded_width, &decoded_height, &file_channels, channels);
  if (pixels == nullptr) {
    fail("cannot decode ", source, ": its ", format_name(*format), " data is truncated or corrupt (",
         stb_reason(*format), ")");
  }
  Image image = Image::adopt(pixels, decoded_width, decoded_height, channels);
  if (*format == Format::jpeg) image = apply_exif_orientation(std::move(image), jpeg_exif_orientation(bytes));
  return image;
}

Image decode_image_file(const std::string& path, const DecodeOptions& options) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  return decode_image(bytes, options, path);
}

}  // namespace camlens
