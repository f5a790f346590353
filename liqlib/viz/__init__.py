"""Stage 5, viz: static figures (each returns a Figure and takes ``ax=``) and the interactive
heatmap explorer (ipywidgets + plotly). Submodules load on first use.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["accuracy", "explorer", "plot", "realized", "story", "teaching"],
    submod_attrs={
        "plot": ["plot_market", "plot_heatmap", "plot_liquidation_map",
                 "plot_predicted_liquidations"],
        "explorer": ["make_heatmap_explorer"],
        "realized": ["plot_realized"],
        "teaching": ["plot_book_vs_open_interest"],
        "accuracy": ["plot_density_comparison", "plot_predicted_vs_realized"],
        "story": ["plot_zones", "plot_hand_map", "plot_liquidation_odds", "plot_hourly_vs_oi",
                  "plot_long_share", "plot_price_with_zones", "plot_heatmap_with_zones",
                  "plot_horizons", "plot_near_price"],
    },
)  # fmt: skip
