"""Korean names in charts are drawn with NanumGothic, not as boxes."""

import warnings

import matplotlib.pyplot as plt

import nkecon as nk
from nkecon import fonts, plots


def test_nanum_comes_from_the_installed_package():
    files = fonts.font_files()
    assert any(f.name == "NanumGothic.ttf" for f in files)
    assert all("koreanize_matplotlib" in str(f) for f in files)


def test_a_korean_title_from_the_data_draws_every_glyph():
    estimates = nk.load_published_estimates()
    title = next(t for t in estimates.study if any("\uac00" <= ch <= "\ud7a3" for ch in str(t)))
    with plots.house_style():
        fig, ax = plt.subplots()
        ax.set_title(title)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            fig.canvas.draw()
    plt.close(fig)


def test_the_style_context_restores_the_users_fonts():
    before = list(plt.rcParams["font.family"])
    with plots.house_style():
        assert "NanumGothic" in plt.rcParams["font.family"]
    assert list(plt.rcParams["font.family"]) == before
