"""The title on the contract's example page, exactly as the contract states it."""

from typing import Any

# The page's review text: three paragraphs, without the page's stray trailing " .".
# The synopsis is the same text; the page shows two truncations of it.
REVIEW_TEXT = "\n\n".join(
    (
        "Laura Bialis' documentary chronicles the decades-long, international grassroots "
        "movement to pressure the Soviet government into allowing the emigration of "
        '"refuseniks:" Russian Jews who were systematically persecuted after applying for '
        "exit visas, applications that were inevitably refused.",
        "Frequent targets of anti-semitic Czars, Russia's Jews at first hoped that the "
        "communist revolution would better their lives, but its promises of non-partisan "
        "equality quickly evaporated. Under Stalin, who at first appeared sympathetic to the "
        "Jewish cause and even surreptitiously sold military planes to Israel, Jew were "
        "simultaneously scorned, denied educational and employment opportunities and further "
        "disenfranchised by a concerted effort to purge all traces of Jewish history, "
        'religion and culture from the national consciousness, a form of "spiritual '
        'genocide." And to cap it off, Jews were refused the right to leave and resettle '
        "elsewhere; the official excuse was that they were (despite everything) among the "
        "USSR's best and brightest, so their knowledge and expertise could never be allowed "
        "to fall into enemy hands. By the mid-1950s, Israel had formed a special branch of "
        "the Mossad, Nativ, to contact Soviet Jews and make them aware that there was a "
        "Jewish state, and by the 1960s regional movements sprouted all over the US, some "
        "driven by students and civil rights activists, others by housewives and drapers, "
        "many of them Holocaust survivors whose consciences drove them to speak out. Bialis "
        "interviews dozens of refuseniks, famous and not, whose recollections paint a vivid "
        "picture of life under a regime so oppressive that reading Leon Uris' Exodus was a "
        "life-changing experience, as well as members of the movement to liberate Soviet "
        "Jewry, who both lobbied their political representatives and traveled to the USSR as "
        "tourists to meet dissidents face to face, smuggling religious objects in and "
        "bringing out home movies in which they spoke eloquently about their struggles and "
        "made direct appeals for help.",
        "Judicious editing could easily have trimmed 20 minutes of repetitive material, but "
        "overall Bialis' film is an effective history of a movement built from the ground up, "
        "one that became powerful enough to make a superpower bend to the will of the people. "
        "(In English and subtitles Russian and Hebrew)",
    )
)

REFUSENIK: dict[str, Any] = {
    "slug": "refusenik-2007",
    "name": "Refusenik",
    "kind": "MOVIE",
    "year": 2007,
    "releaseDate": None,
    "contentRating": "NR",
    "runtimeMinutes": None,
    "originalLanguage": "en",
    "audioLanguages": ["en"],
    "subtitleLanguages": ["ru", "he"],
    "genres": ["documentary"],
    "synopsis": REVIEW_TEXT,
    "credits": [
        {"person": "Laura Bialis", "role": "DIRECTOR"},
        {"person": "Laura Bialis", "role": "PRODUCER"},
        {"person": "Natan Sharansky", "role": "SELF"},
    ],
    "reviews": [
        {
            "reviewer": "Maitland McDonagh",
            "publication": "TV Guide",
            "rating": None,
            "body": REVIEW_TEXT,
            "publishedAt": None,
        }
    ],
    "offers": [
        {
            "provider": "kanopy",
            "region": "US",
            "monetization": "FREE",
            "quality": "HD",
            "url": "https://www.kanopy.com/en/product/refusenik",
            "links": {
                "IOS": "kanopy://www.kanopy.com/en/product/refusenik",
                "ANDROID": "kanopy://www.kanopy.com/en/product/refusenik",
            },
            "audioLanguages": ["en"],
            "subtitleLanguages": ["ru", "he"],
        },
        {
            "provider": "tubi",
            "region": "US",
            "monetization": "ADS",
            "quality": "HD",
            "url": "https://tubitv.com/movies/refusenik",
            "links": {
                "IOS": "tubitv://tubitv.com/movies/refusenik",
                "ANDROID": "tubitv://tubitv.com/movies/refusenik",
                "ROKU": "tubitv://tubitv.com/movies/refusenik",
            },
            "audioLanguages": ["en"],
            "subtitleLanguages": ["ru", "he"],
        },
        {
            "provider": "apple-tv",
            "region": "US",
            "monetization": "RENT",
            "quality": "HD",
            "price": "3.99",
            "currency": "USD",
            "url": "https://tv.apple.com/us/movie/refusenik",
            "links": {
                "IOS": "videos://tv.apple.com/us/movie/refusenik",
                "TVOS": "videos://tv.apple.com/us/movie/refusenik",
            },
            "audioLanguages": ["en"],
            "subtitleLanguages": ["ru", "he"],
            "priceHistory": [{"price": "4.99", "daysAgo": 40}, {"price": "3.99", "daysAgo": 2}],
        },
        {
            "provider": "apple-tv",
            "region": "US",
            "monetization": "BUY",
            "quality": "HD",
            "price": "9.99",
            "currency": "USD",
            "url": "https://tv.apple.com/us/movie/refusenik",
            "links": {
                "IOS": "videos://tv.apple.com/us/movie/refusenik",
                "TVOS": "videos://tv.apple.com/us/movie/refusenik",
            },
            "audioLanguages": ["en"],
            "subtitleLanguages": ["ru", "he"],
            "priceHistory": [{"price": "12.99", "daysAgo": 90}, {"price": "9.99", "daysAgo": 30}],
        },
    ],
}
