"""Geography: positions, coastline and land mask, SAR regions, ports."""
