"""Helpers for the browser tests."""
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "e2e" / "artifacts"


def login(page, base_url, login_name, password):
    """Log in through the real form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=login]", login_name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state("networkidle")


def save_screenshot(page, name: str) -> Path:
    """Save a screenshot for a person to look at (tests/e2e/artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
