package web

import (
	"errors"
	"strings"

	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The words staff read for the values the store keeps.

func statusLabel(s string) string {
	switch s {
	case store.StatusNew:
		return "Nieuw"
	case store.StatusInProgress:
		return "In behandeling"
	case store.StatusWaiting:
		return "Wacht op derde"
	case store.StatusAnswered:
		return "Beantwoord"
	case store.StatusClosed:
		return "Afgesloten"
	case store.StatusMerged:
		return "Samengevoegd"
	}
	return s
}

func typeLabel(s string) string {
	switch s {
	case "":
		return "Nog geen type"
	case "vraag":
		return "Vraag"
	case "melding":
		return "Melding"
	case "klacht":
		return "Klacht"
	}
	return s
}

func channelLabel(s string) string {
	switch s {
	case "email":
		return "e-mail"
	case "facebook":
		return "Facebook"
	case "eloket":
		return "e-loket"
	case "counter":
		return "onthaal"
	case "phone":
		return "telefoon"
	case "letter":
		return "brief"
	}
	return s
}

func directionLabel(s string) string {
	switch s {
	case "incoming":
		return "binnengekomen"
	case "outgoing":
		return "verstuurd"
	}
	return s
}

func kindLabel(s string) string {
	switch s {
	case "message":
		return "Bericht"
	case "note":
		return "Notitie"
	case "status":
		return "Status"
	case "assign":
		return "Toewijzing"
	case "forward":
		return "Doorgestuurd"
	case "forward-answer":
		return "Antwoord van derde"
	case "merge":
		return "Samengevoegd"
	case "split":
		return "Gesplitst"
	case "unmerge":
		return "Samenvoeging ongedaan"
	case "unsplit":
		return "Splitsing ongedaan"
	case "repeat":
		return "Burger vraagt opnieuw"
	case "routing":
		return "Routering"
	case "suggestion":
		return "Suggestie"
	case "admissibility":
		return "Ontvankelijkheid"
	}
	return s
}

// fieldLabel names a field of casework's input errors.
func fieldLabel(field string) string {
	switch field {
	case "text":
		return "Tekst"
	case "department":
		return "Dienst"
	case "assignee":
		return "Behandelaar"
	case "detail":
		return "Toelichting"
	case "status":
		return "Status"
	case "type":
		return "Type"
	case "admissible":
		return "Ontvankelijk"
	case "reason":
		return "Reden"
	case "organisation":
		return "Organisatie"
	case "question":
		return "Vraag"
	case "expected_by":
		return "Antwoord verwacht tegen"
	case "answer":
		return "Antwoord"
	case "into":
		return "Dossier"
	case "message_ids":
		return "Berichten"
	case "subject":
		return "Onderwerp"
	}
	return "Invoer"
}

// refusal is what staff read when casework refused an action for its input
// or the state of the case; ok is false for any other error (not found,
// forbidden, the store failing).
func refusal(err error) (msg string, ok bool) {
	var (
		input    *casework.InputError
		conflict *casework.ConflictError
	)
	switch {
	case errors.As(err, &input):
		return inputMessage(input), true
	case errors.As(err, &conflict):
		return conflictMessage(conflict.Msg), true
	case errors.Is(err, store.ErrCrossDomain):
		return "De dossiers horen bij verschillende domeinen: er wordt nooit iets tussen domeinen verplaatst.", true
	case errors.Is(err, store.ErrInvalid):
		return invalidMessage(err.Error()), true
	}
	return "", false
}

func inputMessage(e *casework.InputError) string {
	m := e.Msg
	switch {
	case m == "want a department, an assignee or clear_assignee":
		return "Kies een dienst of een behandelaar, of maak de behandelaar leeg."
	case m == "assignee and clear_assignee exclude each other":
		return "Kies een behandelaar of maak de behandelaar leeg, niet allebei."
	case m == "required (true or false)":
		return "Kies ontvankelijk of niet ontvankelijk."
	case m == "the reference of the case to merge into is required":
		return "Geef het nummer van het dossier waarin je dit dossier wilt samenvoegen."
	case m == "name the messages to split off":
		return "Duid de berichten aan die je naar een nieuw dossier wilt verplaatsen."
	}
	label := fieldLabel(e.Field)
	switch {
	case m == "required":
		return label + " is verplicht."
	case m == "not valid UTF-8":
		return label + " bevat ongeldige tekens."
	case strings.HasPrefix(m, "at most ") && strings.HasSuffix(m, " characters"):
		return label + " is te lang: hoogstens " + strings.TrimSuffix(strings.TrimPrefix(m, "at most "), " characters") + " tekens."
	case strings.HasPrefix(m, "unknown department"):
		return "Die dienst bestaat niet."
	case strings.HasPrefix(m, "want one of"):
		return label + ": kies een van de mogelijkheden."
	case m == "only for an inadmissible complaint":
		return "Een reden geef je alleen bij een niet-ontvankelijke klacht."
	case m == "required when the reason is andere":
		return "Geef een toelichting bij de reden ‘andere’."
	case strings.HasPrefix(m, "want a date"):
		return label + ": geef een geldige datum."
	case m == "the date has passed":
		return label + ": die datum is al voorbij."
	}
	return label + " is ongeldig."
}

func conflictMessage(m string) string {
	switch {
	case strings.Contains(m, "is merged into another case"):
		return "Dit dossier is samengevoegd in een ander dossier. Maak de samenvoeging eerst ongedaan."
	case strings.HasPrefix(m, "the case has status"):
		return "Het dossier heeft die status al."
	case strings.HasPrefix(m, "the case is of type"):
		return "Het dossier is al van dat type."
	case m == "the case has no suggestion":
		return "Het dossier heeft geen suggestie (meer)."
	case strings.HasPrefix(m, "only a complaint"):
		return "Alleen over een klacht beslis je of ze ontvankelijk is. Maak van het dossier eerst een klacht."
	}
	return "Dat kan niet in de huidige toestand van het dossier."
}

func invalidMessage(m string) string {
	switch {
	case strings.Contains(m, "answered already"):
		return "Die doorverwijzing is al beantwoord."
	case strings.Contains(m, "there is none"):
		return "Het dossier heeft geen suggestie (meer)."
	case strings.Contains(m, "cannot be merged into itself"):
		return "Een dossier kan niet in zichzelf worden samengevoegd."
	case strings.Contains(m, "cannot be merged again"):
		return "Een van beide dossiers is al samengevoegd."
	case strings.Contains(m, "cannot be split"):
		return "Een samengevoegd dossier kan niet worden gesplitst."
	case strings.Contains(m, "undone already"):
		return "Dat is al ongedaan gemaakt."
	case strings.Contains(m, "no messages to split off"):
		return "Duid de berichten aan die je naar een nieuw dossier wilt verplaatsen."
	case strings.Contains(m, "is not in the case"):
		return "Een aangeduid bericht hoort niet (meer) bij dit dossier."
	case strings.Contains(m, "is named twice"):
		return "Een bericht is twee keer aangeduid."
	case strings.Contains(m, "leaves an empty case"):
		return "Je kunt niet alle berichten afsplitsen: laat er minstens één in dit dossier."
	case strings.Contains(m, "no organisation"):
		return "Organisatie is verplicht."
	}
	return "Dat kan niet met dit dossier."
}
