"""PLACEHOLDER until the files branch lands."""
import os
import tempfile


def write_atomically(path, write):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path.stat().st_size


def monthly_xlsx(report, out):
    out.write(b"x")


def monthly_pdf(report, out, place):
    out.write(b"p")


def figure_text(figure, value):
    if value is None:
        return "—"
    if figure.percent:
        return f"{value * 100:.1f}%".replace(".", ",")
    if figure.ratio:
        return f"{value:.{figure.decimals}f}".replace(".", ",")
    return f"{value:,}".replace(",", ".")
