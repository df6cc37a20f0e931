"""Login cards (登录卡): one per person, A4 sheets of 2 × 4, handed out at the briefing with the phones.

A card shows the person's name, username and one-time code, their team and area, and a QR that opens the
login page with the username filled in (the way ODK Central and CommCare hand phones to field workers).
Printing a card gives its holder a new one-time code: the PDF is the only place it is ever shown; the database
keeps its hash like any password. Fonts, QR codes and the PDF come from tags/sheet.py, shared with door tags.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import qrcode
from flask import current_app, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from PIL import Image, ImageDraw
from sqlalchemy import select

from fieldapp.auth.services import issue_one_time_password
from fieldapp.extensions import db
from fieldapp.labels import PRODUCT_NAME, TEAM_ROLES
from fieldapp.models import Area, User
from fieldapp.tags.sheet import MM, PAGE, bilevel, fit, font, pages_pdf, qr_image
from fieldapp.teams.services import open_membership

COLUMNS, ROWS = 2, 4
CARD = (round(95 * MM), round(68 * MM))
#: Centres the 2 × 4 grid on the sheet; the dashed borders are where to cut.
OFFSET = ((PAGE[0] - COLUMNS * CARD[0]) // 2, (PAGE[1] - ROWS * CARD[1]) // 2)
PER_PAGE = COLUMNS * ROWS


@dataclass
class Card:
    """What one login card shows."""

    name: str
    username: str
    code: str
    team: str
    area: str
    url: str


def base_url() -> str:
    """FIELDAPP_BASE_URL, else the address the admin is using now: the cards are handed out the same day,
    by the person who printed them (door tags, which stay on doors for years, insist on the setting)."""
    return (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")


def login_url(username: str) -> str:
    """What a card's QR holds: the login page with the username filled in."""
    return f"{base_url()}{url_for('auth.login')}?{urlencode({'username': username})}"


def qr_svg(url: str) -> Markup:
    """The QR of `url` as inline SVG, for a screen (no image request, nothing for the CSP to refuse)."""
    code = qrcode.QRCode(border=2)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cells = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    size = len(matrix)
    return Markup(  # noqa: S704 (numbers only: no text of anyone's in it)
        f'<svg class="qr" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{cells}" fill="#000"/></svg>'
    )


def area_chains(users: list[User]) -> dict[int, str]:
    """Each user's area as its names below the district, e.g. "甲派出所 东门社区 一网格"."""
    ids = {ancestor for user in users for ancestor in user.area.ancestor_ids}
    areas = {area.id: area for area in db.session.scalars(select(Area).where(Area.id.in_(ids)))} if ids else {}
    chains = {}
    for user in users:
        chain = [areas[i] for i in user.area.ancestor_ids if i in areas]
        below = [area.name for area in chain if area.level != "district"] or [user.area.name]
        chains[user.id] = " ".join(below)
    return chains


def team_and_part(user: User) -> str:
    """The person's team and their part in it, e.g. "城关一队 · 队长（民警/辅警）"; "" for none."""
    membership = open_membership(user) if user.team else None
    if membership is None:
        return user.team.name if user.team else ""
    return f"{membership.team.name} · {TEAM_ROLES[membership.role]}"


def issue_login_cards(users: list[User], issued_by: User) -> list[Card]:
    """A new one-time code for each of `users` (audited by `issue_one_time_password`), on their cards.
    The caller commits once the PDF is drawn, so a failed drawing issues nothing."""
    chains = area_chains(users)
    return [
        Card(
            name=user.display_name,
            username=user.username,
            code=issue_one_time_password(user, issued_by),
            team=team_and_part(user),
            area=chains[user.id],
            url=login_url(user.username),
        )
        for user in users
    ]


def cards_for_created(created: list[tuple[User, str]]) -> list[Card]:
    """Cards for accounts just imported, with the codes they were created with."""
    chains = area_chains([user for user, _code in created])
    return [
        Card(
            name=user.display_name,
            username=user.username,
            code=code,
            team=team_and_part(user),
            area=chains[user.id],
            url=login_url(user.username),
        )
        for user, code in created
    ]


def dashed_border(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """A cutting line: 2 mm dashes."""
    left, top, right, bottom = box
    dash = round(2 * MM)
    for x in range(left, right, dash * 2):
        draw.line([(x, top), (min(x + dash, right), top)], fill=0, width=2)
        draw.line([(x, bottom), (min(x + dash, right), bottom)], fill=0, width=2)
    for y in range(top, bottom, dash * 2):
        draw.line([(left, y), (left, min(y + dash, bottom))], fill=0, width=2)
        draw.line([(right, y), (right, min(y + dash, bottom))], fill=0, width=2)


def draw_card(card: Card) -> Image.Image:
    """One card, 95 × 68 mm at 300 dpi, greyscale: the name on top, the QR on the left, what to type on the right."""
    image = Image.new("L", CARD, 255)
    draw = ImageDraw.Draw(image)
    dashed_border(draw, (0, 0, CARD[0] - 1, CARD[1] - 1))
    pad = round(4 * MM)
    width = CARD[0] - 2 * pad
    heading = _("Login card · choose your own password at first login")
    draw.text((pad, pad), heading, font=fit(heading, width, round(3 * MM), 18), fill=0)
    y = pad + round(4.5 * MM)
    draw.text((pad, y), card.name, font=fit(card.name, width, round(7 * MM), 24), fill=0)
    y += round(9.5 * MM)

    # The QR's column is the same width on every card (a longer URL makes a QR of more, smaller modules).
    column = round(36 * MM)
    qr = qr_image(card.url, column)
    image.paste(qr, (pad + (column - qr.width) // 2 - round(1 * MM), y))  # its white border stands in for padding
    caption = _("Scan to log in")
    small = font(round(3 * MM))
    draw.text((pad + column // 2 - round(1 * MM), y + qr.height), caption, font=small, fill=0, anchor="mt")

    left = pad + column + round(1 * MM)
    right_width = CARD[0] - left - pad
    value = round(5.5 * MM)
    rows = [
        (_("Username"), card.username, value),
        (_("One-time code"), card.code, round(6.5 * MM)),
        (_("Team"), card.team or "–", round(4.2 * MM)),
        (_("Area"), card.area or "–", round(4.2 * MM)),
    ]
    line_y = y + round(1 * MM)
    for label, text, size in rows:
        draw.text((left, line_y), label, font=small, fill=0)
        line_y += round(3.8 * MM)
        if text == card.code:
            spaced_text(draw, (left, line_y), text, right_width, size)
        else:
            draw.text((left, line_y), text, font=fit(text, right_width, size, 18), fill=0)
        line_y += size + round(1.6 * MM)
    return image


def spaced_text(draw: ImageDraw.ImageDraw, at: tuple[int, int], text: str, width: int, size: int) -> None:
    """The code letter by letter, a little apart so each reads alone when typed from paper; no gaps that could
    be taken for spaces (the code has none)."""
    while size > 18:
        face = font(size)
        tracking = round(size * 0.12)
        if sum(face.getlength(char) for char in text) + tracking * (len(text) - 1) <= width:
            break
        size -= 2
    face, tracking = font(size), round(size * 0.12)
    x, y = at
    for char in text:
        draw.text((x, y), char, font=face, fill=0)
        x += face.getlength(char) + tracking


def cards_pdf(cards: list[Card]) -> bytes:
    """An A4 PDF, 8 cards a page, to print at 100 % ("actual size") and cut along the dashes."""
    pages = []
    for start in range(0, len(cards), PER_PAGE):
        page = Image.new("L", PAGE, 255)
        for position, card in enumerate(cards[start : start + PER_PAGE]):
            row, column = divmod(position, COLUMNS)
            page.paste(draw_card(card), (OFFSET[0] + column * CARD[0], OFFSET[1] + row * CARD[1]))
        pages.append(bilevel(page))
    return pages_pdf(pages, f"{PRODUCT_NAME} · {_('Login cards')}")
