#pragma once
// EXIF orientation. Cameras and phones store a photo as the sensor read it and record how to turn
// it upright in the JPEG's APP1 "Exif" segment (TIFF tag 0x0112). Browsers apply it when decoding
// (createImageBitmap's default), so the native decoder must too, or the two builds would explain
// different pictures.
//
// The eight values, as the stored picture must be transformed for display:
//   1 as stored            2 mirror left-right        3 rotate 180          4 mirror top-bottom
//   5 transpose            6 rotate 90 clockwise      7 transverse          8 rotate 90 anticlockwise
// (transpose mirrors about the top-left/bottom-right diagonal, transverse about the other one).
#include <cstdint>
#include <span>

#include "image/image.h"

namespace camlens {

// The orientation recorded in a JPEG's EXIF data; 1 when there is none, or when the metadata is
// malformed or out of range (a broken tag must not make a decodable photo undecodable).
int jpeg_exif_orientation(std::span<const std::uint8_t> jpeg);

// `image` turned upright for an EXIF orientation 1-8; 5 to 8 swap width and height.
Image apply_exif_orientation(Image image, int orientation);

}  // namespace camlens
