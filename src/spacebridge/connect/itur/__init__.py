"""ITU-R propagation models for Earth-space links, vectorised over sites with numpy.

One module per Recommendation, each recording its version in ``VERSION``:

============  ==============================================================================
module        Recommendation
============  ==============================================================================
``p1510``     P.1510-1 mean surface temperature
``p1511``     P.1511-3 topography and geoid
``p453``      P.453-14 wet term of the surface refractivity
``p836``      P.836-6 water vapour density and content (annual statistics)
``p837``      P.837-7 rainfall rate (R0.01 map and the full monthly method)
``p838``      P.838-3 specific attenuation of rain
``p839``      P.839-4 rain height
``p840``      P.840-9 clouds (equations; site statistics from the P.840-8 maps available offline)
``p676``      P.676-13 gases: Annex 1 line-by-line, Annex 2 statistical slant path
``p618``      P.618-14 rain, scintillation, non-GSO (§8)
``total``     P.618-14 §2.5 total attenuation (:func:`total_attenuation`; site terms: ``SiteTerms``)
``maps``      the ITU-R digital maps (sources, grids, P.1144 interpolation)
``mapcache``  the converted-map cache on disk (location ``maps_dir``, atomic and concurrent builds)
============  ==============================================================================

Every function takes arrays (or scalars) and returns float64 arrays; values outside a model's validity range
raise :class:`spacebridge.core.errors.OutOfRangeError` naming the model and its range. Functions that read the
digital maps take ``maps_dir=`` (the cache folder, ``Settings.itur_cache``; default the user cache folder).
"""

from spacebridge.connect.itur.p453 import wet_refractivity_median
from spacebridge.connect.itur.p618 import non_gso_exceedance_percent, rain_attenuation, scintillation
from spacebridge.connect.itur.p676 import slant_path_statistical_db, specific_attenuation
from spacebridge.connect.itur.p836 import surface_water_vapour_density_g_m3, total_water_vapour_content_kg_m2
from spacebridge.connect.itur.p837 import rain_rate_001_mm_h, rain_rate_mm_h
from spacebridge.connect.itur.p838 import rain_specific_attenuation_db_km
from spacebridge.connect.itur.p839 import rain_height_km
from spacebridge.connect.itur.p840 import cloud_attenuation_db, cloud_attenuation_from_l_db
from spacebridge.connect.itur.p1510 import surface_mean_temperature_k
from spacebridge.connect.itur.p1511 import topographic_height_km
from spacebridge.connect.itur.total import VERSIONS, TotalAttenuation, total_attenuation

__all__ = [
    "VERSIONS",
    "TotalAttenuation",
    "cloud_attenuation_db",
    "cloud_attenuation_from_l_db",
    "non_gso_exceedance_percent",
    "rain_attenuation",
    "rain_height_km",
    "rain_rate_001_mm_h",
    "rain_rate_mm_h",
    "rain_specific_attenuation_db_km",
    "scintillation",
    "slant_path_statistical_db",
    "specific_attenuation",
    "surface_mean_temperature_k",
    "surface_water_vapour_density_g_m3",
    "topographic_height_km",
    "total_attenuation",
    "total_water_vapour_content_kg_m2",
    "wet_refractivity_median",
]
