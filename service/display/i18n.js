// Interface strings of the agent display, one object per language of the phrase
// packs (config/phrases/). Nudge messages arrive already in the agent's display
// language (config: nudges.display_language), and the labels of the nudge and
// kudos kinds come from the server (`labels` of /display/config.json, from
// config/messages.yaml); these are the words around them.
window.CALLCOACH_I18N = {
  en: {
    title: "Coach", call: "Call", silence: "Silence", interruptions: "Interruptions",
    customer: "Customer", you: "You", talk_ratio: "Talk ratio", nudges: "Nudges",
    all_good: "All good. Keep going.", why: "Why?", hide: "Hide",
    calm: "Calm", upset: "Upset", said: "Said", at: "at",
    connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline",
    missing_library: "The display's MQTT library is missing. Run: npm ci && python -m service.display.vendor",
    missing_agent: "No agent id: open /display?agent=YOUR_ID"
  },
  el: {
    title: "Προπονητής", call: "Κλήση", silence: "Σιωπή", interruptions: "Διακοπές",
    customer: "Πελάτης", you: "Εσείς", talk_ratio: "Αναλογία ομιλίας", nudges: "Υποδείξεις",
    all_good: "Όλα καλά. Συνεχίστε.", why: "Γιατί;", hide: "Απόκρυψη",
    calm: "Ήρεμος", upset: "Αναστατωμένος", said: "Είπε", at: "στο",
    connecting: "Σύνδεση…", connected: "Ζωντανά", reconnecting: "Επανασύνδεση…", offline: "Εκτός σύνδεσης",
    missing_library: "Λείπει η βιβλιοθήκη MQTT. Εκτελέστε: npm ci && python -m service.display.vendor",
    missing_agent: "Λείπει το αναγνωριστικό: ανοίξτε /display?agent=ID"
  },
  tr: {
    title: "Koç", call: "Çağrı", silence: "Sessizlik", interruptions: "Söz kesme",
    customer: "Müşteri", you: "Siz", talk_ratio: "Konuşma oranı", nudges: "Uyarılar",
    all_good: "Her şey yolunda. Devam edin.", why: "Neden?", hide: "Gizle",
    calm: "Sakin", upset: "Üzgün", said: "Söylenen", at: "zaman",
    connecting: "Bağlanıyor…", connected: "Canlı", reconnecting: "Yeniden bağlanıyor…", offline: "Çevrimdışı",
    missing_library: "MQTT kitaplığı eksik. Çalıştırın: npm ci && python -m service.display.vendor",
    missing_agent: "Temsilci kimliği yok: /display?agent=KIMLIK açın"
  },
  lv: {
    title: "Treneris", call: "Zvans", silence: "Klusums", interruptions: "Pārtraukumi",
    customer: "Klients", you: "Jūs", talk_ratio: "Runas attiecība", nudges: "Padomi",
    all_good: "Viss kārtībā. Turpiniet.", why: "Kāpēc?", hide: "Slēpt",
    calm: "Mierīgs", upset: "Satraukts", said: "Teikts", at: "laikā",
    connecting: "Savienojas…", connected: "Tiešraide", reconnecting: "Atjauno savienojumu…", offline: "Bezsaistē",
    missing_library: "Trūkst MQTT bibliotēkas. Palaidiet: npm ci && python -m service.display.vendor",
    missing_agent: "Nav aģenta ID: atveriet /display?agent=ID"
  },
  tl: {
    title: "Coach", call: "Tawag", silence: "Katahimikan", interruptions: "Pagsabat",
    customer: "Customer", you: "Ikaw", talk_ratio: "Hati sa pagsasalita", nudges: "Paalala",
    all_good: "Maayos ang lahat. Ituloy mo.", why: "Bakit?", hide: "Itago",
    calm: "Kalmado", upset: "Galit", said: "Sinabi", at: "sa",
    connecting: "Kumokonekta…", connected: "Live", reconnecting: "Muling kumokonekta…", offline: "Offline",
    missing_library: "Nawawala ang MQTT library. Patakbuhin: npm ci && python -m service.display.vendor",
    missing_agent: "Walang agent id: buksan ang /display?agent=ID"
  }
};
