"""Every sentence the local describer writes, in English and Spanish.

`{placeholders}` are filled with numbers already formatted for the language (format_int,
format_percent...), never with raw floats. A test checks both languages carry the same placeholders.
"""

from __future__ import annotations

PHRASES: dict[str, tuple[str, str]] = {
    "and": ("and", "y"),
    "doc": ("document", "documento"),
    "docs": ("documents", "documentos"),
    "basis.publication": ("publication", "publicación"),
    "basis.priority": ("priority", "prioridad"),
    "empty": ("The chart has no data to describe.", "El gráfico no tiene datos que describir."),
    # Series per year.
    "trend.total": (
        "The chart counts {total} by {basis} year from {first} to {last}.",
        "El gráfico cuenta {total} por año de {basis} entre {first} y {last}.",
    ),
    "trend.total_plain": (
        "The series covers {first} to {last} and adds up to {total}.",
        "La serie abarca de {first} a {last} y suma {total}.",
    ),
    "trend.rising": ("Overall the activity is rising.", "En conjunto, la actividad crece."),
    "trend.falling": ("Overall the activity is falling.", "En conjunto, la actividad disminuye."),
    "trend.flat": ("Overall the activity is broadly flat.", "En conjunto, la actividad se mantiene estable."),
    "trend.cagr_up": (
        "From {first} ({first_value}) to {last} ({last_value}) it grew at a compound annual rate of {rate} "
        "over {years} years.",
        "De {first} ({first_value}) a {last} ({last_value}) creció a una tasa anual compuesta del {rate} "
        "en {years} años.",
    ),
    "trend.cagr_down": (
        "From {first} ({first_value}) to {last} ({last_value}) it shrank at a compound annual rate of {rate} "
        "over {years} years.",
        "De {first} ({first_value}) a {last} ({last_value}) se redujo a una tasa anual compuesta del {rate} "
        "en {years} años.",
    ),
    "trend.same": (
        "{first} and {last} have the same value ({value}).",
        "{first} y {last} tienen el mismo valor ({value}).",
    ),
    "trend.peak": ("The peak came in {year}, with {value}.", "El máximo se alcanzó en {year}, con {value}."),
    "trend.peak_latest": (
        "The peak came in {year}, the latest year, with {value}.",
        "El máximo se alcanzó en {year}, el último año, con {value}.",
    ),
    "trend.peaks": (
        "The peak, {value} each, came in {years}.",
        "El máximo, {value} en cada caso, se alcanzó en {years}.",
    ),
    "trend.recent": (
        "{share} of the total falls in the last {n} years ({period}).",
        "El {share} del total corresponde a los últimos {n} años ({period}).",
    ),
    "trend.zero_years": (
        "{zero} of the {n} years shown have none.",
        "{zero} de los {n} años mostrados no tienen ninguno.",
    ),
    "trend.zero_year": (
        "{zero} of the {n} years shown has none.",
        "{zero} de los {n} años mostrados no tiene ninguno.",
    ),
    "trend.delay": (
        "The drop in {year} may partly be publication delay: documents appear months after filing.",
        "La caída de {year} puede deberse en parte al retraso de publicación: los documentos se publican "
        "meses después de su presentación.",
    ),
    # Running totals.
    "cum.total": (
        "By {year} the running total reaches {total}.",
        "En {year} el total acumulado llega a {total}.",
    ),
    "cum.before": (
        "That total includes {count} from before {year}.",
        "Ese total incluye {count} anteriores a {year}.",
    ),
    "cum.half": (
        "Half of it had accumulated by {year}.",
        "La mitad ya se había acumulado en {year}.",
    ),
    # Forecast.
    "fc.observed": (
        "Observed: {total} from {first} to {last}, with {last_value} in {last}.",
        "Observado: {total} entre {first} y {last}, con {last_value} en {last}.",
    ),
    "fc.slope_up": (
        "A straight line fitted to {period} rises by about {slope} a year.",
        "Una recta ajustada a {period} sube unos {slope} al año.",
    ),
    "fc.slope_down": (
        "A straight line fitted to {period} falls by about {slope} a year.",
        "Una recta ajustada a {period} baja unos {slope} al año.",
    ),
    "fc.slope_flat": (
        "A straight line fitted to {period} is almost flat ({slope} a year).",
        "Una recta ajustada a {period} es casi plana ({slope} al año).",
    ),
    "fc.r2_good": (
        "It explains {r2} of the variation between years, a good fit.",
        "Explica el {r2} de la variación entre años, un buen ajuste.",
    ),
    "fc.r2_fair": (
        "It explains {r2} of the variation between years, a moderate fit.",
        "Explica el {r2} de la variación entre años, un ajuste moderado.",
    ),
    "fc.r2_poor": (
        "It explains only {r2} of the variation between years, a poor fit.",
        "Solo explica el {r2} de la variación entre años, un ajuste pobre.",
    ),
    "fc.projection": (
        "The forecast projects about {first_value} in {first}.",
        "La previsión proyecta unos {first_value} en {first}.",
    ),
    "fc.projection_range": (
        "The forecast projects about {first_value} in {first} and about {last_value} in {last}.",
        "La previsión proyecta unos {first_value} en {first} y unos {last_value} en {last}.",
    ),
    "fc.zero_from": (
        "The line is at zero from {year} on: the forecast projects no documents.",
        "La recta está en cero desde {year}: la previsión no proyecta documentos.",
    ),
    "fc.projection_to_zero": (
        "The forecast projects about {first_value} in {first}, falling to zero by {zero}.",
        "La previsión proyecta unos {first_value} en {first}, y cero a partir de {zero}.",
    ),
    "fc.interval": (
        "The {confidence} prediction interval for {year} runs from {lower} to {upper} ({qualifier}).",
        "El intervalo de predicción del {confidence} para {year} va de {lower} a {upper} ({qualifier}).",
    ),
    "fc.interval_rel": (
        "The {confidence} prediction interval for {year} runs from {lower} to {upper}, up to {rel} "
        "above or below the projection ({qualifier}).",
        "El intervalo de predicción del {confidence} para {year} va de {lower} a {upper}, hasta un {rel} "
        "por encima o por debajo de la proyección ({qualifier}).",
    ),
    "fc.precise": ("a fairly narrow range", "un rango bastante estrecho"),
    "fc.uncertain": ("an uncertain forecast", "una previsión incierta"),
    "fc.very_uncertain": ("a very uncertain forecast", "una previsión muy incierta"),
    "fc.clipped": (
        "Where the interval would go below zero it is drawn at zero.",
        "Donde el intervalo bajaría de cero se dibuja en cero.",
    ),
    "fc.caveat": (
        "The latest observed years may be incomplete because of publication delay, which pulls the line "
        "down.",
        "Los últimos años observados pueden estar incompletos por el retraso de publicación, lo que tira "
        "de la recta hacia abajo.",
    ),
    # Rankings.
    "ent.applicant": ("applicants", "solicitantes"),
    "ent.inventor": ("inventors", "inventores"),
    "ent.country": ("countries and offices", "países y oficinas"),
    "ent.entry": ("entries", "entradas"),
    "rank.lead_ahead": (
        "{name} leads with {value}, ahead of {second} ({second_value}).",
        "{name} encabeza la lista con {value}, por delante de {second} ({second_value}).",
    ),
    "rank.lead_only": (
        "{name} is the only one listed, with {value}.",
        "{name} es el único listado, con {value}.",
    ),
    "rank.lead_shared": (
        "{names} share the lead with {value} each.",
        "{names} comparten el primer puesto con {value} cada uno.",
    ),
    "rank.top3_shown": (
        "The top 3 account for {share} of the total of the {n} shown ({qualifier}).",
        "Los 3 primeros suman el {share} del total de los {n} mostrados ({qualifier}).",
    ),
    "rank.concentrated": ("a concentrated field", "un campo concentrado"),
    "rank.moderate": ("a moderately concentrated field", "un campo moderadamente concentrado"),
    "rank.spread": ("a spread-out field", "un campo repartido"),
    "rank.share_all": (
        "Counting all {entries} {entity} ({total} in total), the top 3 hold {share3}.",
        "Contando los {entries} {entity} ({total} en total), los 3 primeros reúnen el {share3}.",
    ),
    "rank.share_all_10": (
        "Counting all {entries} {entity} ({total} in total), the top 3 hold {share3} and the top 10 "
        "{share10}.",
        "Contando los {entries} {entity} ({total} en total), los 3 primeros reúnen el {share3} y los 10 "
        "primeros el {share10}.",
    ),
    "rank.shown_of": (
        "The chart shows {n} of {entries} {entity}.",
        "El gráfico muestra {n} de {entries} {entity}.",
    ),
    "rank.ties": (
        "{count} more have {value}, like the last one shown, and are not drawn.",
        "Otros {count} tienen {value}, como el último mostrado, y no se dibujan.",
    ),
    "rank.truncated": (
        "The source listed only its top {listed} {entity}, so less active ones are missing.",
        "La fuente solo listaba sus {listed} primeros {entity}, así que faltan los menos activos.",
    ),
    "rank.counting": (
        "A document with several {entity} counts once for each of them.",
        "Un documento con varios {entity} cuenta una vez para cada uno de ellos.",
    ),
    "country.shown": ("{code} ranks {rank} with {value}.", "{code} ocupa el puesto {rank} con {value}."),
    "country.outside": ("{code} is not among the top {n}.", "{code} no está entre los {n} primeros."),
    "country.absent": ("{code} does not appear in the data.", "{code} no aparece en los datos."),
    "country.excluded": (
        "{code} is a regional or international office and is left out here.",
        "{code} es una oficina regional o internacional y aquí se excluye.",
    ),
    "country.regional_out": (
        "Regional and international offices ({codes}) are left out.",
        "Se excluyen las oficinas regionales e internacionales ({codes}).",
    ),
    # CPC treemap.
    "level.main_group": ("main group", "grupo principal"),
    "level.subgroup": ("subgroup", "subgrupo"),
    "cpc.lead": (
        "The largest CPC {level} is {code}, with {value}.",
        "El {level} CPC más grande es {code}, con {value}.",
    ),
    "cpc.lead_more": (
        "The largest CPC {level} is {code}, with {value}, followed by {others}.",
        "El {level} CPC más grande es {code}, con {value}, seguido de {others}.",
    ),
    "cpc.section": (
        "Section {letter} ({name}) accounts for {share} of the counts shown.",
        "La sección {letter} ({name}) reúne el {share} de los recuentos mostrados.",
    ),
    "cpc.section_next": (
        "Section {letter} ({name}) accounts for {share} of the counts shown, followed by section {letter2} "
        "({share2}).",
        "La sección {letter} ({name}) reúne el {share} de los recuentos mostrados, seguida de la sección "
        "{letter2} ({share2}).",
    ),
    "cpc.shown_of": ("The chart shows {n} of {groups} groups.", "El gráfico muestra {n} de {groups} grupos."),
    "cpc.other": (
        "The other {groups} groups add {value} together.",
        "Los otros {groups} grupos suman {value} en conjunto.",
    ),
    "cpc.counting": (
        "A document classified in several groups counts in each, so the counts add up to more than the "
        "documents.",
        "Un documento clasificado en varios grupos cuenta en cada uno, así que los recuentos suman más que "
        "los documentos.",
    ),
    # Per year and per name.
    "two.leader": (
        "Over {period}, {name} leads with {value} in total.",
        "En {period}, {name} encabeza con {value} en total.",
    ),
    "two.newcomers": ("Newcomers since {year}: {names}.", "Nuevos desde {year}: {names}."),
    # Anything else.
    "generic.rows": (
        "{title}: the table behind this chart has {rows} rows.",
        "{title}: la tabla de este gráfico tiene {rows} filas.",
    ),
    "generic.column": (
        "“{column}” goes from {low} to {high}, {total} in total.",
        "«{column}» va de {low} a {high}, {total} en total.",
    ),
    "source": ("Source: {source}.", "Fuente: {source}."),
    "source_records": ("Source: {source}, {records} records.", "Fuente: {source}, {records} registros."),
}

# Direction of a series: the least-squares slope relative to the mean, per year.
