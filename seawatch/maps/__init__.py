"""Maps: the interactive (folium) map and the static (matplotlib) map."""
