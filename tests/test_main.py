"""The demo behind ``python -m skmlp``: a compact summary, then the comparison."""

import pytest

from skmlp.__main__ import main


def test_demo_prints_a_compact_summary(capsys):
    main(["--max-iter", "30", "--hidden", "16"])
    lines = capsys.readouterr().out.splitlines()
    epochs = [line for line in lines if line.startswith("epoch")]
    assert [line.split(":")[0] for line in epochs] == [
        f"epoch {n:>4}" for n in (3, 6, 9, 12, 15, 18, 21, 24, 27, 30)
    ]
    table = lines[-2:]
    assert table[0].startswith("skmlp.FromScratchMLPClassifier")
    assert table[1].startswith("sklearn MLPClassifier")
    # the same seed, the same training: the same test accuracy
    assert table[0].split()[-2] == table[1].split()[-2]


@pytest.mark.parametrize("argv", [["--hidden"], ["--max-iter", "zero"]])
def test_demo_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        main(argv)
