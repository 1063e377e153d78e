#include "explain/colormap.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/error.h"
#ifdef __wasm_simd128__
#include "kernels/simd128/map_values.h"
#endif

namespace camlens::explain {

namespace {

// Jet: channel k of x = i / 255 is clamp(1.5 - |4x - k|, 0, 1) for k = 3 (red), 2 (green), 1 (blue),
// scaled to 255 and rounded half up; exactly: (765 - 2 |4i - 255k| + 1) / 2 in integers. OpenCV
// builds its COLORMAP_JET from the same ramps through float tables, so an entry may differ by one.
uint8_t jet_channel(int i, int k) {
  const int twice = 765 - 2 * std::abs(4 * i - 255 * k);  // 2 * 255 * (1.5 - |4x - k|)
  return static_cast<uint8_t>(std::clamp((twice + 1) / 2, 0, 255));
}

std::array<Rgb8, 256> jet_table() {
  std::array<Rgb8, 256> table;
  for (int i = 0; i < 256; ++i) table[i] = {jet_channel(i, 3), jet_channel(i, 2), jet_channel(i, 1)};
  return table;
}

std::array<Rgb8, 256> gray_table() {
  std::array<Rgb8, 256> table;
  for (int i = 0; i < 256; ++i) table[i] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i), static_cast<uint8_t>(i)};
  return table;
}

// viridis and inferno by Nathaniel J. Smith, Stefan van der Walt and Eric Firing (CC0), as listed in
// matplotlib's _cm_listed.py, each component rounded to round(255 * c).
constexpr std::array<Rgb8, 256> kViridis = {{
    {68, 1, 84}, {68, 2, 86}, {69, 4, 87}, {69, 5, 89}, {70, 7, 90}, {70, 8, 92}, {70, 10, 93}, {70, 11, 94},
    {71, 13, 96}, {71, 14, 97}, {71, 16, 99}, {71, 17, 100}, {71, 19, 101}, {72, 20, 103}, {72, 22, 104}, {72, 23, 105},
    {72, 24, 106}, {72, 26, 108}, {72, 27, 109}, {72, 28, 110}, {72, 29, 111}, {72, 31, 112}, {72, 32, 113}, {72, 33, 115},
    {72, 35, 116}, {72, 36, 117}, {72, 37, 118}, {72, 38, 119}, {72, 40, 120}, {72, 41, 121}, {71, 42, 122}, {71, 44, 122},
    {71, 45, 123}, {71, 46, 124}, {71, 47, 125}, {70, 48, 126}, {70, 50, 126}, {70, 51, 127}, {70, 52, 128}, {69, 53, 129},
    {69, 55, 129}, {69, 56, 130}, {68, 57, 131}, {68, 58, 131}, {68, 59, 132}, {67, 61, 132}, {67, 62, 133}, {66, 63, 133},
    {66, 64, 134}, {66, 65, 134}, {65, 66, 135}, {65, 68, 135}, {64, 69, 136}, {64, 70, 136}, {63, 71, 136}, {63, 72, 137},
    {62, 73, 137}, {62, 74, 137}, {62, 76, 138}, {61, 77, 138}, {61, 78, 138}, {60, 79, 138}, {60, 80, 139}, {59, 81, 139},
    {59, 82, 139}, {58, 83, 139}, {58, 84, 140}, {57, 85, 140}, {57, 86, 140}, {56, 88, 140}, {56, 89, 140}, {55, 90, 140},
    {55, 91, 141}, {54, 92, 141}, {54, 93, 141}, {53, 94, 141}, {53, 95, 141}, {52, 96, 141}, {52, 97, 141}, {51, 98, 141},
    {51, 99, 141}, {50, 100, 142}, {50, 101, 142}, {49, 102, 142}, {49, 103, 142}, {49, 104, 142}, {48, 105, 142}, {48, 106, 142},
    {47, 107, 142}, {47, 108, 142}, {46, 109, 142}, {46, 110, 142}, {46, 111, 142}, {45, 112, 142}, {45, 113, 142}, {44, 113, 142},
    {44, 114, 142}, {44, 115, 142}, {43, 116, 142}, {43, 117, 142}, {42, 118, 142}, {42, 119, 142}, {42, 120, 142}, {41, 121, 142},
    {41, 122, 142}, {41, 123, 142}, {40, 124, 142}, {40, 125, 142}, {39, 126, 142}, {39, 127, 142}, {39, 128, 142}, {38, 129, 142},
    {38, 130, 142}, {38, 130, 142}, {37, 131, 142}, {37, 132, 142}, {37, 133, 142}, {36, 134, 142}, {36, 135, 142}, {35, 136, 142},
    {35, 137, 142}, {35, 138, 141}, {34, 139, 141}, {34, 140, 141}, {34, 141, 141}, {33, 142, 141}, {33, 143, 141}, {33, 144, 141},
    {33, 145, 140}, {32, 146, 140}, {32, 146, 140}, {32, 147, 140}, {31, 148, 140}, {31, 149, 139}, {31, 150, 139}, {31, 151, 139},
    {31, 152, 139}, {31, 153, 138}, {31, 154, 138}, {30, 155, 138}, {30, 156, 137}, {30, 157, 137}, {31, 158, 137}, {31, 159, 136},
    {31, 160, 136}, {31, 161, 136}, {31, 161, 135}, {31, 162, 135}, {32, 163, 134}, {32, 164, 134}, {33, 165, 133}, {33, 166, 133},
    {34, 167, 133}, {34, 168, 132}, {35, 169, 131}, {36, 170, 131}, {37, 171, 130}, {37, 172, 130}, {38, 173, 129}, {39, 173, 129},
    {40, 174, 128}, {41, 175, 127}, {42, 176, 127}, {44, 177, 126}, {45, 178, 125}, {46, 179, 124}, {47, 180, 124}, {49, 181, 123},
    {50, 182, 122}, {52, 182, 121}, {53, 183, 121}, {55, 184, 120}, {56, 185, 119}, {58, 186, 118}, {59, 187, 117}, {61, 188, 116},
    {63, 188, 115}, {64, 189, 114}, {66, 190, 113}, {68, 191, 112}, {70, 192, 111}, {72, 193, 110}, {74, 193, 109}, {76, 194, 108},
    {78, 195, 107}, {80, 196, 106}, {82, 197, 105}, {84, 197, 104}, {86, 198, 103}, {88, 199, 101}, {90, 200, 100}, {92, 200, 99},
    {94, 201, 98}, {96, 202, 96}, {99, 203, 95}, {101, 203, 94}, {103, 204, 92}, {105, 205, 91}, {108, 205, 90}, {110, 206, 88},
    {112, 207, 87}, {115, 208, 86}, {117, 208, 84}, {119, 209, 83}, {122, 209, 81}, {124, 210, 80}, {127, 211, 78}, {129, 211, 77},
    {132, 212, 75}, {134, 213, 73}, {137, 213, 72}, {139, 214, 70}, {142, 214, 69}, {144, 215, 67}, {147, 215, 65}, {149, 216, 64},
    {152, 216, 62}, {155, 217, 60}, {157, 217, 59}, {160, 218, 57}, {162, 218, 55}, {165, 219, 54}, {168, 219, 52}, {170, 220, 50},
    {173, 220, 48}, {176, 221, 47}, {178, 221, 45}, {181, 222, 43}, {184, 222, 41}, {186, 222, 40}, {189, 223, 38}, {192, 223, 37},
    {194, 223, 35}, {197, 224, 33}, {200, 224, 32}, {202, 225, 31}, {205, 225, 29}, {208, 225, 28}, {210, 226, 27}, {213, 226, 26},
    {216, 226, 25}, {218, 227, 25}, {221, 227, 24}, {223, 227, 24}, {226, 228, 24}, {229, 228, 25}, {231, 228, 25}, {234, 229, 26},
    {236, 229, 27}, {239, 229, 28}, {241, 229, 29}, {244, 230, 30}, {246, 230, 32}, {248, 230, 33}, {251, 231, 35}, {253, 231, 37},
}};

constexpr std::array<Rgb8, 256> kInferno = {{
    {0, 0, 4}, {1, 0, 5}, {1, 1, 6}, {1, 1, 8}, {2, 1, 10}, {2, 2, 12}, {2, 2, 14}, {3, 2, 16},
    {4, 3, 18}, {4, 3, 20}, {5, 4, 23}, {6, 4, 25}, {7, 5, 27}, {8, 5, 29}, {9, 6, 31}, {10, 7, 34},
    {11, 7, 36}, {12, 8, 38}, {13, 8, 41}, {14, 9, 43}, {16, 9, 45}, {17, 10, 48}, {18, 10, 50}, {20, 11, 52},
    {21, 11, 55}, {22, 11, 57}, {24, 12, 60}, {25, 12, 62}, {27, 12, 65}, {28, 12, 67}, {30, 12, 69}, {31, 12, 72},
    {33, 12, 74}, {35, 12, 76}, {36, 12, 79}, {38, 12, 81}, {40, 11, 83}, {41, 11, 85}, {43, 11, 87}, {45, 11, 89},
    {47, 10, 91}, {49, 10, 92}, {50, 10, 94}, {52, 10, 95}, {54, 9, 97}, {56, 9, 98}, {57, 9, 99}, {59, 9, 100},
    {61, 9, 101}, {62, 9, 102}, {64, 10, 103}, {66, 10, 104}, {68, 10, 104}, {69, 10, 105}, {71, 11, 106}, {73, 11, 106},
    {74, 12, 107}, {76, 12, 107}, {77, 13, 108}, {79, 13, 108}, {81, 14, 108}, {82, 14, 109}, {84, 15, 109}, {85, 15, 109},
    {87, 16, 110}, {89, 16, 110}, {90, 17, 110}, {92, 18, 110}, {93, 18, 110}, {95, 19, 110}, {97, 19, 110}, {98, 20, 110},
    {100, 21, 110}, {101, 21, 110}, {103, 22, 110}, {105, 22, 110}, {106, 23, 110}, {108, 24, 110}, {109, 24, 110}, {111, 25, 110},
    {113, 25, 110}, {114, 26, 110}, {116, 26, 110}, {117, 27, 110}, {119, 28, 109}, {120, 28, 109}, {122, 29, 109}, {124, 29, 109},
    {125, 30, 109}, {127, 30, 108}, {128, 31, 108}, {130, 32, 108}, {132, 32, 107}, {133, 33, 107}, {135, 33, 107}, {136, 34, 106},
    {138, 34, 106}, {140, 35, 105}, {141, 35, 105}, {143, 36, 105}, {144, 37, 104}, {146, 37, 104}, {147, 38, 103}, {149, 38, 103},
    {151, 39, 102}, {152, 39, 102}, {154, 40, 101}, {155, 41, 100}, {157, 41, 100}, {159, 42, 99}, {160, 42, 99}, {162, 43, 98},
    {163, 44, 97}, {165, 44, 96}, {166, 45, 96}, {168, 46, 95}, {169, 46, 94}, {171, 47, 94}, {173, 48, 93}, {174, 48, 92},
    {176, 49, 91}, {177, 50, 90}, {179, 50, 90}, {180, 51, 89}, {182, 52, 88}, {183, 53, 87}, {185, 53, 86}, {186, 54, 85},
    {188, 55, 84}, {189, 56, 83}, {191, 57, 82}, {192, 58, 81}, {193, 58, 80}, {195, 59, 79}, {196, 60, 78}, {198, 61, 77},
    {199, 62, 76}, {200, 63, 75}, {202, 64, 74}, {203, 65, 73}, {204, 66, 72}, {206, 67, 71}, {207, 68, 70}, {208, 69, 69},
    {210, 70, 68}, {211, 71, 67}, {212, 72, 66}, {213, 74, 65}, {215, 75, 63}, {216, 76, 62}, {217, 77, 61}, {218, 78, 60},
    {219, 80, 59}, {221, 81, 58}, {222, 82, 56}, {223, 83, 55}, {224, 85, 54}, {225, 86, 53}, {226, 87, 52}, {227, 89, 51},
    {228, 90, 49}, {229, 92, 48}, {230, 93, 47}, {231, 94, 46}, {232, 96, 45}, {233, 97, 43}, {234, 99, 42}, {235, 100, 41},
    {235, 102, 40}, {236, 103, 38}, {237, 105, 37}, {238, 106, 36}, {239, 108, 35}, {239, 110, 33}, {240, 111, 32}, {241, 113, 31},
    {241, 115, 29}, {242, 116, 28}, {243, 118, 27}, {243, 120, 25}, {244, 121, 24}, {245, 123, 23}, {245, 125, 21}, {246, 126, 20},
    {246, 128, 19}, {247, 130, 18}, {247, 132, 16}, {248, 133, 15}, {248, 135, 14}, {248, 137, 12}, {249, 139, 11}, {249, 140, 10},
    {249, 142, 9}, {250, 144, 8}, {250, 146, 7}, {250, 148, 7}, {251, 150, 6}, {251, 151, 6}, {251, 153, 6}, {251, 155, 6},
    {251, 157, 7}, {252, 159, 7}, {252, 161, 8}, {252, 163, 9}, {252, 165, 10}, {252, 166, 12}, {252, 168, 13}, {252, 170, 15},
    {252, 172, 17}, {252, 174, 18}, {252, 176, 20}, {252, 178, 22}, {252, 180, 24}, {251, 182, 26}, {251, 184, 29}, {251, 186, 31},
    {251, 188, 33}, {251, 190, 35}, {250, 192, 38}, {250, 194, 40}, {250, 196, 42}, {250, 198, 45}, {249, 199, 47}, {249, 201, 50},
    {249, 203, 53}, {248, 205, 55}, {248, 207, 58}, {247, 209, 61}, {247, 211, 64}, {246, 213, 67}, {246, 215, 70}, {245, 217, 73},
    {245, 219, 76}, {244, 221, 79}, {244, 223, 83}, {244, 225, 86}, {243, 227, 90}, {243, 229, 93}, {242, 230, 97}, {242, 232, 101},
    {242, 234, 105}, {241, 236, 109}, {241, 237, 113}, {241, 239, 117}, {241, 241, 121}, {242, 242, 125}, {242, 244, 130}, {243, 245, 134},
    {243, 246, 138}, {244, 248, 142}, {245, 249, 146}, {246, 250, 150}, {248, 251, 154}, {249, 252, 157}, {250, 253, 161}, {252, 255, 164},
}};

constexpr std::string_view kNames[] = {"jet", "viridis", "inferno", "gray"};

int table_index(float value) noexcept {
  const float clamped = std::isnan(value) ? 0.0f : std::clamp(value, 0.0f, 1.0f);
  return static_cast<int>(255.0f * clamped);
}

// table_index of values[0 .. n). In WebAssembly 16 at a time, since clang leaves the clamp's selects
// scalar there and they cost more than the lookups; each index is table_index's.
void table_indices(const float* values, size_t n, uint8_t* out) {
#ifdef __wasm_simd128__
  size_t i = kernels::simd128::byte_indices16(values, n, out);
#else
  size_t i = 0;
#endif
  for (; i < n; ++i) out[i] = static_cast<uint8_t>(table_index(values[i]));
}

// lround for a value in [0, 255]: the integer part, plus one from a fraction of one half (exact:
// the fraction of a float below 2^23 is). Inline, unlike the libm call.
uint8_t round_byte(float value) noexcept {
  const int whole = static_cast<int>(value);
  return static_cast<uint8_t>(whole + (value - static_cast<float>(whole) >= 0.5f ? 1 : 0));
}

// heat * alpha + photo * (1 - alpha), rounded, for every pair of bytes: 64 KiB made from the same
// float products as computing each blend, so a channel costs one load instead of a float blend,
// which in WebAssembly costs as much as explaining the maps.
class BlendTable {
 public:
  // The table of `alpha`, made once per thread while the alpha stays the same (the page draws every
  // map with one alpha).
  static const BlendTable& of(float alpha) {
    if (!(alpha >= 0.0f && alpha <= 1.0f)) fail("explain: overlay alpha must lie in [0, 1], got ", alpha);
    thread_local std::unique_ptr<BlendTable> last;
    if (!last || last->alpha_ != alpha) last.reset(new BlendTable(alpha));
    return *last;
  }
  uint8_t operator()(uint8_t heat, uint8_t photo) const noexcept { return bytes_[heat << 8 | photo]; }

 private:
  explicit BlendTable(float alpha) : alpha_(alpha) {
    std::array<float, 256> photo_part;
    for (int p = 0; p < 256; ++p) photo_part[p] = static_cast<float>(p) * (1.0f - alpha);
    for (int h = 0; h < 256; ++h) {
      const float heat_part = static_cast<float>(h) * alpha;
      for (int p = 0; p < 256; ++p) bytes_[h << 8 | p] = round_byte(std::clamp(heat_part + photo_part[p], 0.0f, 255.0f));
    }
  }

  float alpha_;
  std::array<uint8_t, 256 * 256> bytes_;
};

}  // namespace

const std::array<Rgb8, 256>& colormap_table(Colormap colormap) {
  static const std::array<Rgb8, 256> jet = jet_table(), gray = gray_table();
  switch (colormap) {
    case Colormap::jet: return jet;
    case Colormap::viridis: return kViridis;
    case Colormap::inferno: return kInferno;
    case Colormap::gray: return gray;
  }
  fail("explain: unknown colormap ", static_cast<int>(colormap));
}

Rgb8 colormap_color(Colormap colormap, float value) { return colormap_table(colormap)[table_index(value)]; }

// The table is looked up once and the bytes written in place: a call per pixel into a function
// that may throw goes through a JavaScript trampoline in Emscripten's exception handling, which
// made colouring the page's maps cost as much as a forward pass.
std::vector<uint8_t> apply_colormap(const Map& map, Colormap colormap) {
  const std::array<Rgb8, 256>& table = colormap_table(colormap);
  std::vector<uint8_t> indices(map.values.size());
  table_indices(map.values.data(), indices.size(), indices.data());
  std::vector<uint8_t> rgb(map.values.size() * 3);
  uint8_t* out = rgb.data();
  for (uint8_t index : indices) {
    const Rgb8 c = table[index];
    *out++ = c.r;
    *out++ = c.g;
    *out++ = c.b;
  }
  return rgb;
}

std::vector<uint8_t> overlay(std::span<const uint8_t> image_rgb, const Map& map, Colormap colormap, float alpha) {
  if (image_rgb.size() != map.values.size() * 3) {
    fail("explain: overlay needs an RGB8 image of the map's size ", map.height, " x ", map.width, " (",
         map.values.size() * 3, " bytes), got ", image_rgb.size(), " bytes; post-process the map to the image's size");
  }
  const BlendTable& blend = BlendTable::of(alpha);
  std::vector<uint8_t> heat = apply_colormap(map, colormap);
  for (size_t i = 0; i < heat.size(); ++i) heat[i] = blend(heat[i], image_rgb[i]);
  return heat;
}

void colour_rgba(const Map& map, const uint8_t* photo_rgb, size_t photo_stride, Colormap colormap, float alpha,
                 uint8_t* heat_rgba, uint8_t* overlay_rgba) {
  const std::array<Rgb8, 256>& table = colormap_table(colormap);
  const BlendTable& blend = BlendTable::of(alpha);
  std::vector<uint8_t> indices(map.width);
  const float* values = map.values.data();
  for (int y = 0; y < map.height; ++y, photo_rgb += photo_stride, values += map.width) {
    table_indices(values, indices.size(), indices.data());
    const uint8_t* photo = photo_rgb;
    for (int x = 0; x < map.width; ++x, photo += 3, heat_rgba += 4, overlay_rgba += 4) {
      const Rgb8 c = table[indices[x]];
      heat_rgba[0] = c.r;
      heat_rgba[1] = c.g;
      heat_rgba[2] = c.b;
      heat_rgba[3] = 255;
      overlay_rgba[0] = blend(c.r, photo[0]);
      overlay_rgba[1] = blend(c.g, photo[1]);
      overlay_rgba[2] = blend(c.b, photo[2]);
      overlay_rgba[3] = 255;
    }
  }
}

Colormap colormap_named(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<Colormap>(i);
  }
  fail("explain: no colormap named '", name, "'; colormaps: jet, viridis, inferno, gray");
}

std::string_view colormap_name(Colormap colormap) { return kNames[static_cast<int>(colormap)]; }

}  // namespace camlens::explain
