"""`gongkai agencies`: add, change, list, disable and enable the agencies handling cases, with
their GI office's contacts (GIDR Art. 12) and their units (承办单位)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from console.engine import read_model

if TYPE_CHECKING:
    from store.models import Agency

agencies_app = typer.Typer(help="受理机关：登记、修改、列出、停用和启用。", no_args_is_help=True)

# The options `add` and `update` share (AGENCY_OPTIONS); an option not given leaves the field as
# it is (update) or empty (add). Limits: store/agencies.py FIELDS.
Name = Annotated[str | None, typer.Option(help="机关全称（必填，不超过200字）")]
Organ = Annotated[str | None, typer.Option(help="行政复议机关，写入每份答复的救济条款")]
Court = Annotated[str | None, typer.Option(help="行政诉讼管辖法院")]
Prefix = Annotated[
    str | None, typer.Option(help="案件编号前缀：编号形如 前缀-年份-序号（默认 GK）")
]
OfficeName = Annotated[
    str | None,
    typer.Option(help="政府信息公开工作机构名称；不填即“机关名称政府信息公开工作机构”"),
]
Address = Annotated[str | None, typer.Option(help="办公地址（不超过300字）")]
Phone = Annotated[str | None, typer.Option(help="联系电话（不超过50字）")]
Hours = Annotated[str | None, typer.Option(help="办公时间，如“工作日 9:00-12:00，14:00-17:30”")]
Fax = Annotated[str | None, typer.Option(help="传真号码（不超过50字）")]
Email = Annotated[str | None, typer.Option(help="对外公布的电子邮箱")]
Website = Annotated[str | None, typer.Option(help="机关网站，以 http:// 或 https:// 开头")]
Units = Annotated[
    list[str] | None,
    typer.Option("--unit", help="承办单位（可重复；每个不超过100字，最多100个）"),
]
OfficerEmail = Annotated[str | None, typer.Option(help="经办人提醒邮件的收件地址")]
SupervisorEmail = Annotated[str | None, typer.Option(help="负责人提醒邮件的收件地址")]
HeadEmail = Annotated[str | None, typer.Option(help="机关负责人提醒邮件的收件地址")]
Jurisdiction = Annotated[str | None, typer.Option(help="适用的规则（默认 CN）")]
Region = Annotated[str | None, typer.Option(help="工作日历地区，如 CN 或 CN-65（默认 CN）")]
FourEyes = Annotated[
    bool | None,
    typer.Option("--four-eyes/--no-four-eyes", help="答复的审核和签发须由两名不同的负责人办理"),
]


AGENCY_OPTIONS: dict[str, Any] = {
    "name": Name,
    "reconsideration_organ": Organ,
    "court": Court,
    "case_prefix": Prefix,
    "office_name": OfficeName,
    "address": Address,
    "phone": Phone,
    "hours": Hours,
    "fax": Fax,
    "email": Email,
    "website": Website,
    "unit": Units,
    "officer_email": OfficerEmail,
    "supervisor_email": SupervisorEmail,
    "head_email": HeadEmail,
    "jurisdiction": Jurisdiction,
    "region": Region,
    "four_eyes": FourEyes,
}
Command = TypeVar("Command", bound=Callable[..., None])


def agency_options(command: Command) -> Command:
    """The agency's options after the command's own parameters (typer reads the signature; the
    command takes them as ``**options``)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
        for name, option in AGENCY_OPTIONS.items()
    ]
    command.__signature__ = signature.replace(parameters=[*own, *shared])  # type: ignore[attr-defined]
    return command


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The fields an option was given for (a command's arguments by name)."""
    from store.agencies import FIELDS

    return {
        key: value
        for key, value in arguments.items()
        if (key in FIELDS or key == "four_eyes") and value is not None
    }


def _refused(exc: ValueError) -> NoReturn:
    typer.echo(str(exc), err=True)
    raise typer.Exit(2) from exc


@agencies_app.command("add")
@agency_options
def add(
    code: Annotated[str, typer.Argument(help="机关代码，如 SZ-GT（字母、数字、-、_）")],
    **options: Any,
) -> None:
    """登记一个新的受理机关（已有的机关用 update 修改）。"""
    from store.agencies import add_agency

    values = _given(options)
    for required in ("name", "reconsideration_organ", "court"):
        values.setdefault(required, "")  # refused below, in words, when missing
    try:
        agency = add_agency(read_model(), code, values, options["unit"] or [])
    except ValueError as exc:
        _refused(exc)
    typer.echo(
        f"已登记机关 {agency.code}（{agency.name}），案件编号形如 {agency.case_prefix}-年份-序号。"
    )


@agencies_app.command("update")
@agency_options
def update(
    code: Annotated[str, typer.Argument(help="机关代码")],
    clear_units: Annotated[bool, typer.Option("--clear-units", help="清空承办单位列表")] = False,
    **options: Any,
) -> None:
    """修改机关的信息：只改给出的项；--unit 给出的承办单位替换原有列表；写 --fax "" 即清空该项。"""
    from store.agencies import update_agency

    values = _given(options)
    units = [] if clear_units else options["unit"]
    if not values and units is None:
        _refused(
            ValueError("没有要修改的项：请至少给出一个选项（gongkai agencies update --help）。")
        )
    try:
        agency = update_agency(read_model(), code, values, units)
    except ValueError as exc:
        _refused(exc)
    typer.echo(f"已修改机关 {agency.code}（{agency.name}）。")


@agencies_app.command("list")
def list_(
    contact: Annotated[bool, typer.Option(help="列出全部联系方式和承办单位")] = False,
) -> None:
    """列出全部机关：代码、名称、编号前缀、联系方式、承办单位、状态、在办案件数。"""
    from rich.console import Console
    from rich.table import Table

    from rules.calendar import local_date
    from store.agencies import list_agencies, units_of

    table = Table("代码", "名称", "编号前缀", "联系方式", "承办单位", "状态", "在办案件")
    for row in list_agencies(read_model()):
        a = row.agency
        reach = [
            f"{label}：{value}"
            for label, value in (
                ("电话", a.phone),
                ("地址", a.address),
                ("时间", a.hours),
                ("传真", a.fax),
                ("邮箱", a.email),
                ("网站", a.website),
            )
            if value
        ]
        units = units_of(a)
        shown = units if contact or len(units) <= 5 else [*units[:5], f"等{len(units)}个"]
        state = f"停用（{local_date(a.disabled_at)}起）" if a.disabled_at else "启用"
        table.add_row(
            a.code,
            a.name,
            a.case_prefix,
            "\n".join(reach if contact else reach[:2]) or "（未填写）",
            "、".join(shown) or "（未配置）",
            state,
            str(row.open_cases),
        )
    Console(highlight=False).print(table)


@agencies_app.command("disable")
def disable(code: Annotated[str, typer.Argument(help="机关代码")]) -> None:
    """停用机关：不再受理新案件（在线申请和留言的列表中不再出现），已有案件照常办理。"""
    agency = _set_disabled(code, True)
    typer.echo(f"已停用机关 {agency.code}（{agency.name}）：不再受理新案件，已有案件照常办理。")


@agencies_app.command("enable")
def enable(code: Annotated[str, typer.Argument(help="机关代码")]) -> None:
    """重新启用已停用的机关。"""
    agency = _set_disabled(code, False)
    typer.echo(f"已启用机关 {agency.code}（{agency.name}）。")


def _set_disabled(code: str, disabled: bool) -> Agency:
    from store.agencies import set_disabled

    try:
        return set_disabled(read_model(), code, disabled, datetime.now(UTC))
    except ValueError as exc:
        _refused(exc)
