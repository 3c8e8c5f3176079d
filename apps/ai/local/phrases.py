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
    # Applicants per year (heatmap, small multiples).
    "ay.leaders": (
        "Over {period}, {name} leads with {value}, followed by {others}.",
        "En {period}, {name} encabeza con {value}, seguido de {others}.",
    ),
    "ay.leader_only": ("Over {period}, {name} has {value}.", "En {period}, {name} suma {value}."),
    "ay.peak": ("{name} peaked in {year}, with {value}.", "{name} alcanzó su máximo en {year}, con {value}."),
    "ay.latest_leader": (
        "In {year}, the last year shown, it is still the most active, with {value}.",
        "En {year}, el último año mostrado, sigue siendo el más activo, con {value}.",
    ),
    "ay.latest_other": (
        "In {year}, the last year shown, the most active of them is {name}, with {value}.",
        "En {year}, el último año mostrado, el más activo de ellos es {name}, con {value}.",
    ),
    "ay.latest_none": (
        "None of them has documents in {year}, the last year shown.",
        "Ninguno de ellos tiene documentos en {year}, el último año mostrado.",
    ),
    # Co-classification.
    "cc.level.subclass": ("subclass", "subclase"),
    "cc.level.main_group": ("main group", "grupo principal"),
    "cc.level.subgroup": ("subgroup", "subgrupo"),
    "cc.lead": (
        "The most frequent {scheme} {level} is {code}, on {value}, followed by {others}.",
        "La {level} {scheme} más frecuente es {code}, en {value}, seguida de {others}.",
    ),
    "cc.pairs": (
        "The strongest combination is {a} with {b}: {value} carry both; next come {others}.",
        "La combinación más fuerte es {a} con {b}: {value} llevan ambos; le siguen {others}.",
    ),
    "cc.pair": (
        "The strongest combination is {a} with {b}: {value} carry both.",
        "La combinación más fuerte es {a} con {b}: {value} llevan ambos.",
    ),
    "cc.no_pairs": (
        "No document carries two of the codes shown.",
        "Ningún documento lleva dos de los códigos mostrados.",
    ),
    "cc.multi": (
        "{multi} of the {shown} with a code shown carry two or more of them.",
        "{multi} de los {shown} con algún código mostrado llevan dos o más.",
    ),
    # Technology life cycle.
    "lc.span": (
        "From {first} to {last}, documents per year went from {d0} to {d1} and distinct applicants from "
        "{a0} to {a1}.",
        "De {first} a {last}, los documentos por año pasaron de {d0} a {d1} y los solicitantes distintos "
        "de {a0} a {a1}.",
    ),
    "lc.peak_same": (
        "Both peaked in {year}: {applicants} applicants on {documents}.",
        "Ambos alcanzaron su máximo en {year}: {applicants} solicitantes en {documents}.",
    ),
    "lc.peaks": (
        "Applicants peaked in {year_a} ({applicants}) and documents in {year_d} ({documents}).",
        "Los solicitantes alcanzaron su máximo en {year_a} ({applicants}) y los documentos en {year_d} "
        "({documents}).",
    ),
    "lc.growing": (
        "Both are at their highest in {year}, the last year: the technology is still growing.",
        "Ambos están en su máximo en {year}, el último año: la tecnología sigue creciendo.",
    ),
    "lc.below_peaks": (
        "In {year} both are below their peaks, a sign of maturity or decline (the latest years may also "
        "be incomplete).",
        "En {year} ambos están por debajo de su máximo, señal de madurez o declive (los últimos años "
        "también pueden estar incompletos).",
    ),
    # New entrants.
    "ne.total": (
        "Over {period}, {total} applicants appear in the data for the first time.",
        "En {period}, {total} solicitantes aparecen por primera vez en los datos.",
    ),
    "ne.peak": (
        "The most arrived in {year}: {new} new entrants among {active} active applicants.",
        "El mayor número llegó en {year}: {new} nuevos entre {active} solicitantes activos.",
    ),
    "ne.first_year": (
        "{year} is the first year in the data, so every applicant active in it counts as new.",
        "{year} es el primer año de los datos, así que todo solicitante activo en él cuenta como nuevo.",
    ),
    "ne.latest": (
        "In {year}, {new} of the {active} active applicants were new.",
        "En {year}, {new} de los {active} solicitantes activos eran nuevos.",
    ),
    "ne.latest_none": (
        "In {year}, the last year shown, no new applicant appeared.",
        "En {year}, el último año mostrado, no apareció ningún solicitante nuevo.",
    ),
    "ne.latest_named": (
        "In {year}, {new} of the {active} active applicants were new, the largest {name} with {value}.",
        "En {year}, {new} de los {active} solicitantes activos eran nuevos; el mayor, {name}, con {value}.",
    ),
    # Family sizes.
    "fs.summary": (
        "The chart counts {families} families: the median family has {median} members, the largest "
        "{largest}.",
        "El gráfico cuenta {families} familias: la familia mediana tiene {median} miembros y la mayor "
        "{largest}.",
    ),
    "fs.single": (
        "{count} families ({share}) have a single member: protected in one office only.",
        "{count} familias ({share}) tienen un solo miembro: protegidas en una sola oficina.",
    ),
    "fs.single_one": (
        "One family ({share}) has a single member: protected in one office only.",
        "Una familia ({share}) tiene un solo miembro: protegida en una sola oficina.",
    ),
    "fs.mode": (
        "The most common size is {size} members ({count} families).",
        "El tamaño más frecuente es de {size} miembros ({count} familias).",
    ),
    "fs.open": (
        "{count} families have {size} members or more.",
        "{count} familias tienen {size} miembros o más.",
    ),
    "fs.no_ids": (
        "The export has no family identifiers, so each document counts as its own family.",
        "La exportación no tiene identificadores de familia, así que cada documento cuenta como su propia "
        "familia.",
    ),
    # Legal status.
    "ls.summary": ("Of the {total}, {parts}.", "De los {total}, {parts}."),
    "ls.active": ("{count} are active ({share})", "{count} están en vigor ({share})"),
    "ls.pending": ("{count} pending ({share})", "{count} en trámite ({share})"),
    "ls.discontinued": ("{count} discontinued ({share})", "{count} abandonados ({share})"),
    "ls.expired": ("{count} expired ({share})", "{count} caducados ({share})"),
    "ls.inactive": ("{count} inactive ({share})", "{count} inactivos ({share})"),
    "ls.unknown": ("{count} without a known status ({share})", "{count} sin situación conocida ({share})"),
    "ls.alive_lead": (
        "The largest group is still alive: in force, or under examination.",
        "El grupo más numeroso sigue vivo: en vigor o en examen.",
    ),
    "ls.dead_lead": (
        "The largest group is no longer in force.",
        "El grupo más numeroso ya no está en vigor.",
    ),
    "ls.unknown_lead": (
        "For the largest group the export gives no legal status.",
        "Para el grupo más numeroso la exportación no da situación legal.",
    ),
    # Most cited.
    "mc.top": (
        "The most-cited document is {number} ({details}), cited {value} times.",
        "El documento más citado es {number} ({details}), con {value} citas.",
    ),
    "mc.top_plain": (
        "The most-cited document is {number}, cited {value} times.",
        "El documento más citado es {number}, con {value} citas.",
    ),
    "mc.next": ("It is followed by {others}.", "Le siguen {others}."),
    "mc.totals": (
        "Across the {counted} with a citation count, {total} citations were received; {cited} documents "
        "were cited at least once.",
        "Entre los {counted} con recuento de citas se recibieron {total} citas; {cited} documentos fueron "
        "citados al menos una vez.",
    ),
    "mc.caveat": (
        "Older documents have had more time to be cited.",
        "Los documentos más antiguos han tenido más tiempo para ser citados.",
    ),
    # Jurisdictions by family.
    "jf.lead": (
        "Of the {families} families, {count} ({share}) have a member in {code}, the most frequent "
        "jurisdiction.",
        "De las {families} familias, {count} ({share}) tienen un miembro en {code}, la jurisdicción más "
        "frecuente.",
    ),
    "jf.next": ("Next come {others}.", "Le siguen {others}."),
    "jf.shown_of": (
        "The chart shows {n} of {entries} jurisdictions.",
        "El gráfico muestra {n} de {entries} jurisdicciones.",
    ),
    "jf.counting": (
        "A family counts once in each jurisdiction where any of its members is published.",
        "Una familia cuenta una vez en cada jurisdicción donde se publica alguno de sus miembros.",
    ),
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
