"""Coordinates between WGS-84 (what phones' GPS gives, what we store) and GCJ-02 ("火星坐标", what AMap's and
other Chinese map tiles are drawn in): a point in China sits 100-700 m off on such tiles unless converted.

The conversion is the published GCJ-02 formula (Krasovsky 1940 ellipsoid, a = 6378245 m), as kept by the
eviltransform project (github.com/googollee/eviltransform) and wandergis/coordtransform; our tests check it
against their published reference points. GCJ-02 → WGS-84 has no closed form: it is solved by iteration to
well under a centimetre. Points outside China are the same in both.
"""

import math

#: The Krasovsky ellipsoid the GCJ-02 offset is computed on: semi-major axis (m) and first eccentricity squared.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

#: The rough box of China the offset applies in (the one the reference implementations use); outside it,
#: GCJ-02 is WGS-84.
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)


def out_of_china(lat: float, lon: float) -> bool:
    return not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1])


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 offset (degrees of latitude, of longitude) at a WGS-84 point in China."""
    x, y = lon - 105.0, lat - 35.0
    waves = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (
        (
            waves
            + 20.0 * math.sin(y * math.pi)
            + 40.0 * math.sin(y / 3.0 * math.pi)
            + 160.0 * math.sin(y / 12.0 * math.pi)
            + 320.0 * math.sin(y * math.pi / 30.0)
        )
        * 2.0
        / 3.0
    )
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (
        (
            waves
            + 20.0 * math.sin(x * math.pi)
            + 40.0 * math.sin(x / 3.0 * math.pi)
            + 150.0 * math.sin(x / 12.0 * math.pi)
            + 300.0 * math.sin(x / 30.0 * math.pi)
        )
        * 2.0
        / 3.0
    )
    # Metres on the ellipsoid to degrees at this latitude.
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) on GCJ-02 tiles of a WGS-84 point (a GPS fix, a building's stored position)."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float, tolerance: float = 1e-9) -> tuple[float, float]:
    """The WGS-84 point that GCJ-02 (lat, lon) came from, found by fixed-point iteration: the offset changes
    slowly with position, so each step corrects the guess by the error of its forward conversion (converges to
    1e-9 degrees, about 0.1 mm, in a handful of steps)."""
    if out_of_china(lat, lon):
        return lat, lon
    guess_lat, guess_lon = lat, lon
    for _step in range(30):
        forward_lat, forward_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        error_lat, error_lon = forward_lat - lat, forward_lon - lon
        guess_lat, guess_lon = guess_lat - error_lat, guess_lon - error_lon
        if abs(error_lat) < tolerance and abs(error_lon) < tolerance:
            break
    return guess_lat, guess_lon
