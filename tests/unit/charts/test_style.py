"""Chart style helpers: axis titles and units."""

from levier.charts.style import label_with_unit


def test_a_rate_label_does_not_repeat_its_unit():
    rate = "pour 1 000 habitants"
    assert label_with_unit(f"Enfants accueillis à l'ASE ({rate}, population municipale INSEE)", rate).count(rate) == 1
    assert label_with_unit("Taux de pauvreté", "%") == "Taux de pauvreté (%)"
