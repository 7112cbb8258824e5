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
    missing_link: "Open the display with the link you were given (/display?agent=…&token=…)",
    expired_link: "This link has expired: ask for a new one",
    wrong_agent: "This link was changed: open it exactly as you were given it",
    refused_link: "The broker refused this link: ask for a new one"
  },
  el: {
    title: "Προπονητής", call: "Κλήση", silence: "Σιωπή", interruptions: "Διακοπές",
    customer: "Πελάτης", you: "Εσείς", talk_ratio: "Αναλογία ομιλίας", nudges: "Υποδείξεις",
    all_good: "Όλα καλά. Συνεχίστε.", why: "Γιατί;", hide: "Απόκρυψη",
    calm: "Ήρεμος", upset: "Αναστατωμένος", said: "Είπε", at: "στο",
    connecting: "Σύνδεση…", connected: "Ζωντανά", reconnecting: "Επανασύνδεση…", offline: "Εκτός σύνδεσης",
    missing_library: "Λείπει η βιβλιοθήκη MQTT. Εκτελέστε: npm ci && python -m service.display.vendor",
    missing_link: "Ανοίξτε την οθόνη με τον σύνδεσμο που σας δόθηκε (/display?agent=…&token=…)",
    expired_link: "Ο σύνδεσμος έχει λήξει: ζητήστε νέο",
    wrong_agent: "Ο σύνδεσμος έχει αλλοιωθεί: ανοίξτε τον ακριβώς όπως σας δόθηκε",
    refused_link: "Ο διακομιστής απέρριψε τον σύνδεσμο: ζητήστε νέο"
  },
  tr: {
    title: "Koç", call: "Çağrı", silence: "Sessizlik", interruptions: "Söz kesme",
    customer: "Müşteri", you: "Siz", talk_ratio: "Konuşma oranı", nudges: "Uyarılar",
    all_good: "Her şey yolunda. Devam edin.", why: "Neden?", hide: "Gizle",
    calm: "Sakin", upset: "Üzgün", said: "Söylenen", at: "zaman",
    connecting: "Bağlanıyor…", connected: "Canlı", reconnecting: "Yeniden bağlanıyor…", offline: "Çevrimdışı",
    missing_library: "MQTT kitaplığı eksik. Çalıştırın: npm ci && python -m service.display.vendor",
    missing_link: "Ekranı size verilen bağlantıyla açın (/display?agent=…&token=…)",
    expired_link: "Bu bağlantının süresi doldu: yenisini isteyin",
    wrong_agent: "Bu bağlantı değiştirilmiş: size verildiği gibi açın",
    refused_link: "Sunucu bu bağlantıyı reddetti: yenisini isteyin"
  },
  lv: {
    title: "Treneris", call: "Zvans", silence: "Klusums", interruptions: "Pārtraukumi",
    customer: "Klients", you: "Jūs", talk_ratio: "Runas attiecība", nudges: "Padomi",
    all_good: "Viss kārtībā. Turpiniet.", why: "Kāpēc?", hide: "Slēpt",
    calm: "Mierīgs", upset: "Satraukts", said: "Teikts", at: "laikā",
    connecting: "Savienojas…", connected: "Tiešraide", reconnecting: "Atjauno savienojumu…", offline: "Bezsaistē",
    missing_library: "Trūkst MQTT bibliotēkas. Palaidiet: npm ci && python -m service.display.vendor",
    missing_link: "Atveriet ekrānu ar jums doto saiti (/display?agent=…&token=…)",
    expired_link: "Saitei beidzies derīgums: palūdziet jaunu",
    wrong_agent: "Saite ir mainīta: atveriet to tieši tādu, kādu saņēmāt",
    refused_link: "Serveris noraidīja šo saiti: palūdziet jaunu"
  },
  tl: {
    title: "Coach", call: "Tawag", silence: "Katahimikan", interruptions: "Pagsabat",
    customer: "Customer", you: "Ikaw", talk_ratio: "Hati sa pagsasalita", nudges: "Paalala",
    all_good: "Maayos ang lahat. Ituloy mo.", why: "Bakit?", hide: "Itago",
    calm: "Kalmado", upset: "Galit", said: "Sinabi", at: "sa",
    connecting: "Kumokonekta…", connected: "Live", reconnecting: "Muling kumokonekta…", offline: "Offline",
    missing_library: "Nawawala ang MQTT library. Patakbuhin: npm ci && python -m service.display.vendor",
    missing_link: "Buksan ang display gamit ang link na ibinigay sa iyo (/display?agent=…&token=…)",
    expired_link: "Nag-expire na ang link na ito: humingi ng bago",
    wrong_agent: "Binago ang link na ito: buksan ito nang eksakto gaya ng ibinigay sa iyo",
    refused_link: "Tinanggihan ng server ang link na ito: humingi ng bago"
  }
};
