package main

import (
	"math/rand/v2"
	"strings"
)

// topic is what a citizen writes about: the words that make two messages
// about it look alike to the repeat detection, and for e-loket reports the
// form's service code.
type topic struct {
	subjects []string
	words    []string
	service  string // e-loket service code; empty: not an e-loket form
	place    bool   // an e-loket report about a place (it has a location)
	social   bool   // a Sociaal Huis subject
}

var topics = []topic{
	{subjects: []string{"Vraag over de afvalophaling", "Afval niet opgehaald", "Ophaalkalender afval"},
		words: strings.Fields("afval vuilniszak restafval ophaling huisvuil ophaaldag pmd-zak ophaalkalender vuilniswagen gft-container")},
	{subjects: []string{"Sluikstort", "Sluikstort gemeld", "Afval gedumpt"}, service: "sluikstort", place: true,
		words: strings.Fields("sluikstort zakken matras achtergelaten gedumpt glasbol bosrand illegaal vuilniszakken karton")},
	{subjects: []string{"Zwerfvuil", "Veel zwerfvuil"}, service: "zwerfvuil", place: true,
		words: strings.Fields("zwerfvuil blikjes plastic flesjes berm speelplein vuilbak overvol rondslingeren peuken")},
	{subjects: []string{"Straatlamp defect", "Straatverlichting brandt niet", "Lamp knippert"}, service: "straatverlichting", place: true,
		words: strings.Fields("straatlamp straatverlichting donker lichtpaal kapot knippert verlichting brandt onveilig lantaarn")},
	{subjects: []string{"Put in het wegdek", "Losliggende tegels", "Gevaarlijk voetpad"}, service: "defect-openbare-weg", place: true,
		words: strings.Fields("put wegdek fietspad voetpad tegels asfalt verzakt stoeprand gevallen gevaarlijk")},
	{subjects: []string{"Riolering verstopt", "Geurhinder riool"}, service: "riolering", place: true,
		words: strings.Fields("riolering riool geur kelder overstroming afvoer rioolputje verstopt regenwater wateroverlast")},
	{subjects: []string{"Boom snoeien", "Omgevallen takken"}, service: "openbaar-groen", place: true,
		words: strings.Fields("boom takken snoeien haag bladeren plantsoen wortels berm groendienst gemaaid")},
	{subjects: []string{"Uittreksel bevolkingsregister"}, service: "uittreksel-bevolkingsregister",
		words: strings.Fields("uittreksel bevolkingsregister attest gezinssamenstelling notaris werkgever kopie afschrift")},
	{subjects: []string{"Bewonerskaart parkeren", "Aanvraag parkeerkaart bewoners"},
		words: strings.Fields("bewonerskaart parkeren nummerplaat parkeerzone parkeerkaart wagen bezoekerskaart blauwe")},
	{subjects: []string{"Vraag over bouwvergunning", "Omgevingsvergunning verbouwing"},
		words: strings.Fields("omgevingsvergunning bouwvergunning verbouwing architect plannen tuinhuis bijgebouw bouwaanvraag")},
	{subjects: []string{"Afspraak identiteitskaart", "Nieuwe identiteitskaart"},
		words: strings.Fields("identiteitskaart eid pincode pukcode vervallen pasfoto burgerzaken kids-id")},
	{subjects: []string{"Reispas aanvragen", "Paspoort dringend"},
		words: strings.Fields("reispas paspoort reis vakantie buitenland spoedprocedure vlucht")},
	{subjects: []string{"Adreswijziging na verhuis", "Verhuis doorgeven"},
		words: strings.Fields("verhuis adreswijziging wijkagent inschrijving domicilie verhuisd appartement")},
	{subjects: []string{"Vraag over huurpremie", "Huurpremie aanvraag"}, social: true,
		words: strings.Fields("huurpremie huurprijs huurcontract inkomen premie sociale huurwoning wachtlijst")},
	{subjects: []string{"Leefloon", "Vraag over mijn leefloon"}, social: true,
		words: strings.Fields("leefloon uitkering maatschappelijk werker inkomen ziekenfonds werkloos")},
	{subjects: []string{"Budgetbegeleiding", "Hulp bij schulden"}, social: true,
		words: strings.Fields("schulden budget budgetbegeleiding energiefactuur afbetalingsplan deurwaarder aanmaning")},
	{subjects: []string{"Thuiszorg voor mijn moeder", "Poetshulp aanvragen"}, social: true,
		words: strings.Fields("thuiszorg poetshulp maaltijden moeder vader verzorging mantelzorger dienstencheques")},
	{subjects: []string{"Aanslagbiljet gemeentebelasting", "Bezwaar belasting"},
		words: strings.Fields("aanslagbiljet belasting gemeentebelasting bedrag betaling bezwaar vervaldag tweede")},
	{subjects: []string{"Overlast buren", "Lawaai 's nachts"},
		words: strings.Fields("lawaai overlast buren muziek feest honden blaffen nachtrust politie")},
	{subjects: []string{"Zaal huren", "Vergunning evenement"},
		words: strings.Fields("zaal huren feestzaal evenement tenten buurtfeest verzekering")},
	{subjects: []string{"Openingsuren recyclagepark", "Grofvuil"},
		words: strings.Fields("recyclagepark containerpark openingsuren grofvuil hout metaal bouwpuin aanhangwagen")},
	{subjects: []string{"Klacht over de behandeling", "Geen antwoord op mijn vraag"},
		words: strings.Fields("klacht ontevreden behandeling wachten beloofd teleurgesteld onaanvaardbaar")},
	{subjects: []string{"Inschrijving kinderopvang", "Plaats in de opvang"},
		words: strings.Fields("kinderopvang opvang inschrijving kleuter crèche naschoolse wachtlijst")},
	{subjects: []string{"Zwembad abonnement", "Lessen sporthal"},
		words: strings.Fields("zwembad abonnement sporthal zwemlessen uurrooster sportkamp beurtenkaart")},
	{subjects: []string{"Graf op de begraafplaats", "Concessie graf"},
		words: strings.Fields("begraafplaats graf concessie grafsteen urnenveld onderhoud verlenging")},
}

// Words that carry some meaning but say nothing about the subject, and
// stop words that the repeat detection leaves out.
var (
	filler = strings.Fields(`gemeente vraag probleem maand weken situatie informatie antwoord dringend
		laatste tijd zaak opvolgen helpen oplossing contact telefoon gisteren vandaag morgen ochtend
		namiddag buurt straat wijk huis woning kinderen familie dienst medewerker loket website
		formulier document brief gebeld gestuurd verstuurd gevraagd gezegd gekregen ontvangen gezien
		gemerkt gelezen begrepen verwacht gehoopt nodig belangrijk moeilijk eenvoudig snel lang jammer
		spijtig hopelijk eigenlijk ondertussen intussen eerder vorige volgende datum adres nummer
		aanvraag verzoek reactie opvolging termijn kosten prijs betalen regeling afspraak bezoek
		langskomen bereikbaar gesloten mogelijk zeker precies ongeveer meerdere keren iedereen niemand
		fiets tuin deur raam brievenbus auto garage oprit hoek kruispunt school kerk markt station
		bushalte parking winkel bakker apotheek dokter werk vrijdag maandag dinsdag woensdag donderdag
		zaterdag zondag weekend vakantie regen wind koud warm donker licht kapot nieuw oud groot klein`)
	stop = strings.Fields(`ik de het een en in op van voor met om te is was dat die er niet ook nog al
		maar dan als want dus naar bij uit over tot door nu wat kan wil zou moet mag graag`)
	staffWords = strings.Fields(`bedankt bericht dienst bevoegde collega doorgegeven bekeken
		behandeling terugkoppeling opgevolgd ingepland uitgevoerd planning technische ploeg
		informatie bijlage formulier afspraak contact opnemen termijn werkdagen`)
	firstNames = strings.Fields(`An Ann Anja Bart Ben Bert Bram Carine Chris Dirk Ellen Els Emma Eva Filip
		Frank Geert Gert Hilde Ilse Inge Jan Jef Jeroen Joke Karel Katrien Kim Koen Kristof Lars Lien
		Lieve Linda Luc Marc Maria Marleen Mieke Mohamed Nathalie Nina Patrick Peter Pieter Rita Robin
		Ruben Sarah Sofie Stijn Tom Tine Veerle Wim Wouter Yasmina Youssef Zoë`)
	// The most common family names of Flanders, most common first. They
	// are one in twelve; the rest come from surnameParts.
	commonNames = strings.Fields(`Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters
		De_Smet Dubois Lambert Dumont Hermans Aerts Michiels Pauwels Martens Vermeulen Leclercq Van_Damme
		Desmet Smets Verstraete Coppens Stevens Segers Van_Den_Broeck De_Backer Declercq Cools Lemmens
		Vandenberghe Bogaert Verhoeven Hendrickx Wuyts Mahieu Van_Dyck Huysmans Baert Thys Vermeiren
		Bosmans Verbruggen Geerts Laurent Sels Van_Hove El_Amrani Benali Yilmaz Kaya Nowak Kowalski
		Rossi Garcia Lopez Nguyen Diallo Van_Acker De_Wilde Verbeke Vandamme Vanhoutte Blommaert
		Callewaert Deprez Devos Dhondt Lammens Maenhout Roels Stroobants`)
	surnamePrefixes = []string{"", "", "", "", "De ", "De ", "Van ", "Van de ", "Van den ", "Vande", "Ver", "Ver", "D'"}
	surnameRoots    = strings.Fields(`Bruyn Cock Kerckhove Meyer Poorter Wachter Baets Bock Clercq Geest Gheyn
		Hauwe Kimpe Lanck Maere Neve Paepe Rijck Schepper Vos Wever Bie Bruycker Coninck Craene Decker
		Gucht Haese Jonghe Keyser Landtsheer Loose Meester Moor Muynck Naeyer Pauw Prins Rycke Schrijver
		Smedt Sutter Temmerman Vlieger Wilde Winne Backer Beke Berghe Bossche Brande Broeck Daele Eede
		Gaver Hecke Hoecke Kerckhof Linden Meersch Moortel Poel Putte Schoot Steen Velde Vijver Walle
		Wynckel Aelst Boer Bulcke Caeyzeele Dael Elst Goethals Hulle Kiekens Leemput Mol Nuffel Oost
		Pottel Rooms Slambrouck Stappen Tieghem Vaerenbergh Verre Waeyen Zande Haegen Mulle Coppen
		Dierick Ghysel Heyl Knap Lippen Maertens Nieuw Peir Quint Ryck Sterck Troch Uytter Vinck Wauter`)
	surnameSuffixes = []string{"", "", "", "s", "e", "ens", "ers", "aert", "ghem", "ijn"}
	streets         = strings.Fields(`Kerkstraat Stationsstraat Dorpsplein Molenstraat Schoolstraat Nieuwstraat
		Kapelstraat Veldstraat Bosstraat Beekstraat Hoogstraat Nachtegalenstraat Lindenlaan Eikenlaan
		Populierenlaan Kastanjelaan Berkenlaan Rozenstraat Tulpenstraat Leliestraat Kouter Markt
		Grote_Markt Brugstraat Gentsesteenweg Brusselsesteenweg Kortrijksesteenweg Koning_Albertlaan
		Leopoldlaan Astridlaan Vredestraat Kasteelstraat Pastorijstraat Meersstraat Weverstraat
		Smidsestraat Bakkerstraat Zandstraat Heidestraat Akkerstraat Processiestraat Voetweg
		Sportlaan Parklaan Stationsplein Spoorwegstraat Vaartstraat Dijkstraat Kanaalweg Zuidlaan
		Noordlaan Oostlaan Westlaan Ringlaan Industrieweg Ambachtenstraat Nijverheidsstraat
		Kloosterstraat Abdijstraat Hospitaalstraat Begijnhof Wijngaardstraat Hopstraat Ganzendries
		Eendrachtstraat Vrijheidsstraat Tramstraat Bruggestraat Lange_Munt Korte_Munt Oudenaardsesteenweg
		Groenstraat Blauwstraat Roodstraat Witte_Molenstraat Zwarte_Molenstraat Hof_ter_Linden
		Spinnerijstraat Vlasstraat Lijnwaadmarkt Koornmarkt Vismarkt Zuivelmarkt Hooimarkt Paardenmarkt`)
	providers = []string{"gmail.com", "telenet.be", "hotmail.com", "skynet.be", "proximus.be", "outlook.com", "yahoo.com", "icloud.com"}
)

// spaced writes the underscores of a drawn name as spaces.
func spaced(s string) string { return strings.ReplaceAll(s, "_", " ") }

// fullName draws a first and a family name. A full name is shared by
// several contacts now and then, a common one by a few dozen among a
// hundred thousand.
func fullName(rng *rand.Rand) (first, last string) {
	first = firstNames[rng.IntN(len(firstNames))]
	if rng.Float64() < 0.08 {
		// Zipf-like: the k-th name about 1/sqrt(k) as common as the first.
		u := rng.Float64()
		return first, spaced(commonNames[min(int(float64(len(commonNames))*u*u), len(commonNames)-1)])
	}
	return first, surnamePrefixes[rng.IntN(len(surnamePrefixes))] + surnameRoots[rng.IntN(len(surnameRoots))] +
		surnameSuffixes[rng.IntN(len(surnameSuffixes))]
}

// citizenText is a citizen's message of about size bytes about t.
func citizenText(rng *rand.Rand, t *topic, size int, signature string) string {
	var b strings.Builder
	b.WriteString("Goeiedag,\n\n")
	sentence := 0
	for b.Len() < size {
		var w string
		switch r := rng.Float64(); {
		case r < 0.3:
			w = t.words[rng.IntN(len(t.words))]
		case r < 0.6:
			w = stop[rng.IntN(len(stop))]
		case r < 0.8:
			w = filler[rng.IntN(len(filler))]
		default:
			// Dutch writes compounds as one word: they make the
			// vocabulary of a town's mail large, as it is, so that
			// two people's messages about one subject still differ.
			w = filler[rng.IntN(len(filler))] + filler[rng.IntN(len(filler))]
		}
		if sentence == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		sentence++
		if sentence > 6 && rng.IntN(8) == 0 {
			b.WriteString(". ")
			sentence = 0
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(".\n\nMet vriendelijke groeten,\n")
	b.WriteString(signature)
	return b.String()
}

// staffText is an answer of the town of about size bytes.
func staffText(rng *rand.Rand, name string, size int) string {
	var b strings.Builder
	b.WriteString("Beste " + name + ",\n\n")
	for b.Len() < size {
		if rng.IntN(3) == 0 {
			b.WriteString(stop[rng.IntN(len(stop))])
		} else {
			b.WriteString(staffWords[rng.IntN(len(staffWords))])
		}
		b.WriteByte(' ')
	}
	b.WriteString("\n\nMet vriendelijke groeten,\nGemeente Meldegem")
	return b.String()
}
