"""The demo town's content: articles, posts, reports, events and merchant offers.

``seed_town`` (``demo/town.py``) writes people and three years of ledger
history in bulk; this module then fills every app through the apps' own
services, as staff and residents would: articles published over the last two
weeks, approved and pending posts with comments and likes, report cases in
every workflow state, events (upcoming, waitlisted, completed with attendance,
draft) and one offer per merchant with the demo resident's vouchers. Awards and
spends made here are real ledger rows written by ``points_award`` /
``points_spend``, so ``reconcile_points`` stays clean.

Deterministic for a given ``seed`` (a ``random.Random`` of its own; people are
picked in primary-key order) except for what the services draw themselves
(voucher codes, photo file names) and the current time: services that take no
time argument (reports, offers, vouchers) stamp their rows with now; approved
posts are then re-dated over the last 90 days (``_spread_post_times``), report
cases over the last 60 with their moves in order (``_spread_report_times``),
events are written and published days before their sign-ups (which the sign-up
service dates), offers on their first valid day; articles get publish times over
the last two weeks and covers, posts and reports get photos (``demo.pictures``),
the completed event's check-ins lie in the past. Rows that earned or spent points
(awarded posts and reports, the completed event's completion, the vouchers) stay
within the last day, because their ledger rows are dated now and the ledger is
append-only. Nothing is dated in the future but the scheduled events.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicpoints.accounts.card import resident_card_token
from civicpoints.accounts.models import Community, Role, Town, User
from civicpoints.articles.services import article_create, article_read
from civicpoints.core.timeutil import local_date, town_tz
from civicpoints.demo import pictures
from civicpoints.demo.pictures import upload
from civicpoints.events import services as events
from civicpoints.events.models import AwardMode, Event
from civicpoints.merchants import services as merchants
from civicpoints.merchants.models import Merchant, Offer
from civicpoints.points.errors import InsufficientPoints
from civicpoints.points.services import rule_get
from civicpoints.posts import services as posts
from civicpoints.posts.models import Comment, Like, ModerationAction, ModerationEvent, Post
from civicpoints.reports import services as reports
from civicpoints.reports.models import CaseEvent, Report, ReportCategory, ReportPhoto

# --- texts -------------------------------------------------------------------------------

ARTICLES = [
    (
        "积分怎么挣、怎么用？一文读懂公益积分",
        """巴桥镇公益积分平台上线以来，已有几万名居民参与。很多新朋友问：积分到底怎么来、怎么用？

## 积分从哪里来

积分规则共 **72 条**，分为三类：

- **家庭邻里**：分享好人好事、帮助邻里解决困难、垃圾分类等；
- **治理美德**：志愿巡逻 50 分、协助宣传政策 30 分、举报不文明行为被采纳 5 分；
- **社区建设**：参加环境卫生整治 25 分、参加社区活动按小时计分、阅读平台文章 2 分。

需要工作人员确认的项目，请在活动现场签到或在帖子里附上照片。

## 积分怎么用

在“商家”页面选择联盟商家的优惠，用积分兑换成兑换券，到店出示兑换码即可。
比如理发店 35 元的理发，用积分可以优惠 5 元。

## 几点提醒

1. 每条规则都有每日上限，刷分不会多得；
2. 积分每天排名公示，欢迎大家互相监督；
3. 有疑问可到社区服务站咨询。
""",
    ),
    (
        "巴桥镇2026年秋冬季消防安全提示",
        """天气转凉，用火用电增多，火灾风险随之上升。镇应急办提醒各位居民：

- 电动自行车**不进楼道、不进家门**，请到小区集中充电点充电；
- 离家、睡前关闭取暖器、电热毯等电器；
- 不私拉乱接电线，老化线路请及时更换；
- 楼道、消防通道保持畅通，不堆放杂物。

发现火情请立即拨打 **119**，并按社区疏散路线有序撤离。
各社区网格员将在本月逐户开展入户检查，请大家配合。
""",
    ),
    (
        "积分兑换升级：手机上换券，到店直接用",
        """本月起，全镇积分兑换服务升级：居民在手机上选好商家优惠，直接兑换成兑换券，到店出示即可使用，不用再到社区登记。

首批参与的有理发、餐饮、超市、药店等多家联盟商家。
**叶子发艺**推出的“积分理发”最受欢迎：35 元理发，积分兑换后立减 5 元。

兑换券有有效期，过期未用的积分会自动退回。
""",
    ),
    (
        "城乡居民医保2027年度参保缴费开始了",
        """2027 年度城乡居民基本医疗保险集中缴费已经开始，缴费截止到 12 月 31 日。

**缴费方式**

- 通过银行手机 App 或微信“医保服务”缴费；
- 到社区服务站由工作人员协助缴费。

困难群众、低保对象等按政策享受资助参保，请带好身份证到社区服务站确认。
协助邻居（特别是独居老人）完成缴费，可以发帖记录，经核实后计入积分。
""",
    ),
    (
        "垃圾分类小课堂：厨余垃圾这样投",
        """厨余垃圾投放前请**沥干水分**，去掉塑料袋、牙签等杂物后再倒入绿色桶。

| 属于厨余垃圾 | 不属于厨余垃圾 |
| --- | --- |
| 剩菜剩饭、果皮菜叶 | 大骨头、贝壳 |
| 茶叶渣、过期食品 | 餐巾纸、一次性餐具 |

坚持每天正确分类投放，可以获得垃圾分类积分。
""",
    ),
    (
        "防范电信诈骗：这五句话一听就是骗局",
        """近期镇上有居民接到冒充“客服”“公检法”的电话。请记住，凡是听到以下说法，一律是诈骗：

1. “你的账户涉嫌洗钱，需要转到安全账户”；
2. “刷单返利，先垫付后返还”；
3. “快递丢了，给你双倍理赔，请提供验证码”；
4. “注销校园贷，否则影响征信”；
5. “我是你领导，先帮我转一笔钱”。

遇到可疑情况，请拨打 **96110** 反诈专线咨询，或联系社区民警。帮助社区宣传反诈知识，也可以获得积分。
""",
    ),
    (
        "镇志愿服务队招募：夜间治安巡逻志愿者",
        """为守护大家的平安，镇志愿服务队长期招募夜间治安巡逻志愿者。

- **时间**：每周二、周五 19:00—22:00；
- **要求**：18 岁以上，身体健康，熟悉本社区道路；
- **积分**：按实际参与时长，每小时计 10 分。

请在“活动”页面报名，到场后出示个人二维码签到。
""",
    ),
    (
        "老旧小区改造进展：本月完成三个小区外墙整修",
        """今年镇上老旧小区改造共涉及 12 个小区。
截至本月，融城、新华、建胜三个社区的外墙整修已经完工，加装电梯的意见征集正在进行。

施工期间给大家带来的不便，感谢理解。对施工质量有意见建议的，可通过“随手拍”反映，工作人员会跟进处理。
""",
    ),
    (
        "冬季流感高发，这份健康提示请收好",
        """进入冬季，流感进入高发期。镇卫生院提醒：

- 60 岁以上老人、慢性病患者、儿童建议接种流感疫苗；
- 勤洗手、常通风，咳嗽打喷嚏时遮住口鼻；
- 出现发热等症状请及时就医，避免带病上班上学。

镇卫生院本月每周三上午在各社区开展免费义诊，欢迎大家前往。
""",
    ),
    (
        "“邻里互助”板块上线一年：这些故事温暖人心",
        """一年来，居民们在“邻里互助”板块发布了数千条帖子：帮独居老人买菜、帮邻居修水管、接送放学的孩子……

每一条帖子背后，都是一份邻里之间的信任。
欢迎继续分享身边的互助故事，经审核通过的帖子会在板块中展示，符合规则的还能获得积分。
""",
    ),
    (
        "融城社区居民议事会：停车位划线方案征求意见",
        """**融城社区**居民议事会将于本周六上午 9:30 在社区服务站二楼召开，
议题是小区内停车位重新划线的方案。

方案图纸已张贴在各楼栋公告栏。不能到场的居民，可以在社区服务站留言，也可以联系各网格员反映意见。
""",
    ),
]

GOOD_DEEDS = [
    (
        "捡到钱包原路归还",
        "今天早上在菜市场门口捡到一个钱包，里面有身份证和几百块钱，交给社区后联系上了失主，失主特意来道谢。",
    ),
    (
        "楼下王婆婆的菜我帮着提上楼",
        "王婆婆八十多岁了，每天买菜上五楼很吃力，这一周我下班顺路帮她提上去，婆婆说要给我包饺子。",
    ),
    (
        "志愿者清理河道垃圾",
        "周末和几位邻居一起把小区旁边河道的塑料袋、饮料瓶捡干净了，装了满满六袋。",
    ),
    (
        "暴雨天帮忙疏通下水道",
        "昨晚下暴雨，单元门口积水快到脚踝，几位邻居一起拿工具把下水口疏通了，水很快就退了。",
    ),
    ("为环卫工人送热水", "天冷了，我们楼栋几户人家商量好，每天早上给路口的环卫工人送一壶热水。"),
    (
        "帮迷路老人找到家",
        "在公交站遇到一位说不清家住哪里的老人，联系派出所和社区，一个小时后把老人送回了家。",
    ),
    (
        "义务给小区孩子辅导作业",
        "退休前是数学老师，现在每周三晚上在社区活动室给孩子们辅导作业，欢迎家长带孩子来。",
    ),
    (
        "修好了小区的休息长椅",
        "小区凉亭的长椅坏了一根木条，我找了块旧木料修好了，老人们又可以坐着聊天了。",
    ),
    ("扶起摔倒的骑车人", "路口有位大姐骑电动车摔倒了，我和路人一起把她扶起来，陪她等到家人赶来。"),
    (
        "给独居老人修好了电视",
        "李大爷家电视没信号好几天了，我去看了一下是机顶盒线松了，插好就能看了。",
    ),
    (
        "清理楼道小广告",
        "楼道墙上贴满了开锁、通下水道的小广告，我用了一个下午清理干净，看着舒服多了。",
    ),
    ("帮邻居收被子", "下午突然下雨，对门邻居上班不在家，阳台上晒着被子，我隔着栏杆帮她收进来了。"),
    ("义剪进社区", "我们理发店这个月给社区里的老人免费理发，一上午剪了二十多位。"),
    (
        "主动劝阻乱扔垃圾",
        "看到有人往绿化带里扔垃圾袋，上前好好说了几句，对方不好意思地捡起来扔进了垃圾桶。",
    ),
    ("帮快递小哥找地址", "快递小哥找不到新搬来住户的门牌号，我带他绕了一圈找到了，他连说谢谢。"),
    ("为社区图书角捐书", "家里孩子长大了，把三十多本童书整理好捐给了社区图书角。"),
    (
        "夜里发现燃气泄漏及时报修",
        "晚上闻到楼道有燃气味，敲门提醒了邻居，打电话报修，维修师傅半小时就到了。",
    ),
    ("陪孤寡老人过生日", "社区的张爷爷一个人住，今天是他生日，我们几个志愿者带了蛋糕去陪他。"),
    (
        "拾到手机交还失主",
        "在公园长椅上捡到一部手机，等了半小时，失主打电话过来，约在社区服务站还给了他。",
    ),
    ("给小区流浪猫搭了过冬窝", "用泡沫箱和旧衣服给小区的流浪猫搭了几个窝，放在不挡路的角落。"),
    ("帮邻居搬家", "新搬来的一家人东西多，楼里几个年轻人一起帮忙搬，一个小时就搬完了。"),
    ("义务维护小区花坛", "小区花坛的月季长了虫，我买了药打了一遍，这几天又开花了。"),
]

NEIGHBOUR_HELP = [
    (
        "谁家有梯子借用一下",
        "想换一下客厅的灯泡，家里梯子坏了，哪位邻居方便借用半小时，用完马上还。",
    ),
    ("寻找拼车去县医院的邻居", "每周二上午要去县医院复查，有同路的邻居可以一起拼车，油钱平摊。"),
    ("帮忙照看一下孩子", "这周六上午要加班，孩子八岁，哪位邻居方便帮忙照看两个小时，非常感谢。"),
    ("闲置婴儿车免费送", "家里有一辆九成新的婴儿车，孩子大了用不上了，需要的邻居留言自取。"),
    ("求推荐靠谱的修水管师傅", "厨房水管漏水，想找个靠谱的师傅，邻居们有推荐的吗？"),
    (
        "老人手机不会用，求帮忙",
        "我妈想学用手机视频通话，哪位年轻人有空教教她，可以约在社区活动室。",
    ),
    ("捡到一串钥匙", "在三号楼下捡到一串钥匙，有个红色挂件，已交到社区服务站，失主请去认领。"),
    ("周末一起去河边捡垃圾", "这个周日上午九点，在河边小广场集合，一起捡垃圾，工具社区提供。"),
    ("有没有邻居会修自行车", "孩子的自行车链条掉了，自己弄不好，有会修的邻居吗？可以付点工钱。"),
    ("多买了一袋大米分给需要的邻居", "团购多了一袋二十斤的大米，原价转给需要的邻居，就在二号楼。"),
    (
        "求助：家里老人走失后已找到，谢谢大家",
        "昨天我爸出门没回来，多亏邻居们在群里转发帮忙找，晚上在公园找到了，谢谢大家！",
    ),
    ("蔬菜种多了，欢迎来摘", "楼顶小菜园的小白菜长得太多了，吃不完，邻居们欢迎来摘。"),
    ("寻找一起晨练的伙伴", "每天早上六点半在小区广场打太极，欢迎邻居们一起来。"),
    ("免费帮邻居打印资料", "家里有打印机，邻居们需要打印孩子作业、表格的可以找我，一楼东户。"),
    ("谁家有多余的纸箱", "下周搬家，需要一些纸箱，邻居们有不要的可以给我，我上门去取。"),
    ("招募楼栋卫生轮值志愿者", "我们单元想排一个楼道卫生轮值表，每户每月一次，愿意参加的留言。"),
]

DEMO_POSTS = [
    (
        "good_deeds",
        "帮独居的刘婆婆交了医保",
        "刘婆婆不会用手机缴费，我陪她到社区服务站把明年的医保交了，顺便教她用手机查余额。",
    ),
    (
        "neighbour_help",
        "周末一起包饺子，欢迎邻居来",
        "周六下午在社区活动室包饺子，面和馅我来准备，欢迎邻居们带上孩子一起来。",
    ),
]

PENDING_POSTS = [
    (
        "good_deeds",
        "主动参加小区夜间巡逻",
        "昨晚跟着网格员在小区里巡逻了一圈，检查了电动车充电和楼道杂物。",
    ),
    ("neighbour_help", "求一辆旧轮椅", "家里老人腿脚不方便，想找一辆旧轮椅，哪位邻居家有闲置的？"),
    (
        "good_deeds",
        "帮环卫工人推车上坡",
        "早上看到环卫工人推着满满一车垃圾上坡很吃力，我帮忙推了一段。",
    ),
    ("neighbour_help", "谁会修洗衣机", "洗衣机脱水时响得厉害，有懂行的邻居帮忙看看吗？"),
]
DEMO_PENDING = (
    "good_deeds",
    "陪邻居阿姨去医院复查",
    "邻居阿姨一个人去医院不方便，今天上午我陪她去复查，结果一切正常。",
)

COMMENTS = [
    "点赞！远亲不如近邻。",
    "好人好事，值得学习。",
    "谢谢你，我们楼也需要这样的热心人。",
    "我周末有空，可以一起。",
    "这个我可以帮忙，已私信。",
    "社区就需要这样的正能量。",
    "为你点赞👍",
    "上次也是你帮的忙，太感谢了。",
    "我家也有，明天给你送过去。",
    "好样的！",
]

REPORTS = [
    # category, place, body, final state
    (
        "littering",
        "融城社区3号楼北侧绿化带",
        "绿化带里被扔了好几袋生活垃圾，已经有异味了。",
        "submitted",
    ),
    (
        "parking",
        "融城社区南门消防通道",
        "有辆白色小轿车长期停在消防通道上，挡住了一半路。",
        "accepted",
    ),
    ("small_ads", "融城社区5号楼楼道", "楼道墙面又被贴满了小广告，刚清理过没几天。", "assigned"),
    (
        "public_damage",
        "融城社区中心广场",
        "广场上一盏路灯的灯罩碎了，晚上黑乎乎的不安全。",
        "rectified",
    ),
    (
        "littering",
        "融城社区菜市场东侧",
        "菜市场门口的垃圾桶满了没人清运，垃圾堆到了路上。",
        "closed",
    ),
    ("noise", "融城社区8号楼", "楼上装修每天中午十二点还在砸墙。", "rejected"),
    ("parking", "巴桥社区幼儿园门口", "接送孩子的时候电动车乱停，把人行道堵死了。", "assigned"),
    ("small_ads", "新华社区公交站", "公交站广告牌上贴满了办证小广告。", "submitted"),
]

OFFERS = {
    # category: (title, description, price_fen, discount_fen, points_cost)
    "理发": ("积分理发", "洗剪吹一次，积分兑换立减。", 3500, 500, 50),
    "餐饮": ("午市套餐代金券", "工作日午市套餐一份。", 2800, 600, 60),
    "超市": ("日用品满减券", "购物满 50 元使用。", 5000, 500, 50),
    "药店": ("常用药品优惠券", "非处方药、医疗器械满 30 元可用。", 3000, 500, 40),
    "洗衣": ("衣物干洗优惠", "外套或羽绒服干洗一件。", 2500, 800, 80),
    "水果": ("时令水果券", "时令水果满 30 元可用。", 3000, 300, 30),
    "茶馆": ("盖碗茶一杯", "茶楼盖碗茶，可续水。", 1500, 500, 50),
    "维修": ("家电上门检修", "上门检测一次，维修另计。", 5000, 1000, 100),
}


# --- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentResult:
    """What ``seed_content`` made (counts per app)."""

    articles: int
    posts_approved: int
    posts_pending: int
    comments: int
    likes: int
    reports: int
    events: int
    offers: int
    vouchers: int
    seconds: float = field(default=0.0, compare=False)  # wall time of ``seed_content``


def _jpeg(rng: random.Random, label: str) -> SimpleUploadedFile:
    """A report's photo (``demo.pictures``): a lane with bins and bags, or a street.

    Draws two numbers from ``rng``, as the earlier drawing did, so the rest of the
    seeded content stays as it was for a seed.
    """
    red, _green = rng.randrange(90, 200), rng.randrange(140, 220)
    kind = "cleanup" if red % 2 else "street"
    return upload(pictures.scene(label, kind), f"{label}.jpg")


PHOTO_KINDS = {
    "good_deeds": ("street", "park", "gathering"),
    "neighbour_help": ("street", "cleanup", "park"),
}
POST_HISTORY_DAYS = 90


def _spread_post_times(approved: list, rng: random.Random, now: dt.datetime) -> None:
    """Date the approved posts over the last ``POST_HISTORY_DAYS`` days, as a square that
    has been running for months looks — newest likelier — instead of all at the seeding
    minute: written by day, reviewed half an hour to 8 hours later, then liked and
    commented on after that.

    Posts whose approval awarded points (the award row is the ledger's, dated now) are
    kept within the last day, so the post and its award tell the same day. Rows are
    re-dated in place (as ``seed_town`` writes its history: seeding only).
    """
    for post in approved:
        if post.award_id is not None:
            published = now - dt.timedelta(minutes=rng.randint(20, 20 * 60))
        else:
            published = now - dt.timedelta(days=POST_HISTORY_DAYS * rng.random() ** 1.7)
        local = published.astimezone(town_tz())
        if not 7 <= local.hour < 22:  # people post by day: move a night post into the day
            local = local.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59))
            published = min(local, now - dt.timedelta(minutes=10))
        published = published.replace(microsecond=0)
        created = published - dt.timedelta(minutes=rng.randint(30, 8 * 60))
        Post.objects.filter(pk=post.pk).update(
            created_at=created, reviewed_at=published, published_at=published
        )
        post.created_at, post.reviewed_at, post.published_at = created, published, published
        ModerationEvent.objects.filter(post=post, action=ModerationAction.SUBMITTED).update(
            at=created
        )
        ModerationEvent.objects.filter(post=post).exclude(action=ModerationAction.SUBMITTED).update(
            at=published
        )
        span = max(60, int((now - published).total_seconds()))
        for model in (Comment, Like):
            for pk in model.objects.filter(post=post).values_list("pk", flat=True):
                after = dt.timedelta(seconds=int(span * rng.random() ** 2))
                model.objects.filter(pk=pk).update(created_at=published + after)


REPORT_HISTORY_DAYS = 60


def _spread_report_times(made: list[Report], rng: random.Random, now: dt.datetime) -> None:
    """Date the demo reports over the last ``REPORT_HISTORY_DAYS`` days instead of the
    seeding minute: filed by day, each case move (``CaseEvent``) hours to a few days after
    the one before, in the order they happened; photos with the move that added them.

    A report whose acceptance awarded points (``report.award``, a ledger row dated now
    — the ledger is append-only, so it is not re-dated) keeps its case within the last
    day, so the report and its award tell the same day, as ``_spread_post_times`` does.
    Rows are re-dated in place (seeding only; no ledger row is touched).
    """
    for report in made:
        moves = list(CaseEvent.objects.filter(report=report).order_by("at", "pk"))
        if report.award_id is not None:
            filed = now - dt.timedelta(minutes=rng.randint(3 * 60, 20 * 60))
            steps = [dt.timedelta(minutes=rng.randint(10, 90)) for _ in moves[1:]]
        else:
            filed = now - dt.timedelta(days=3 + (REPORT_HISTORY_DAYS - 3) * rng.random())
            steps = [dt.timedelta(hours=rng.randint(2, 48)) for _ in moves[1:]]
        local = filed.astimezone(town_tz())
        if not 7 <= local.hour < 21:
            filed = local.replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59))
        filed = filed.replace(microsecond=0)
        times = [filed]
        for step in steps:
            times.append(min(times[-1] + step, now - dt.timedelta(minutes=5)))
        for move, at in zip(moves, times, strict=True):
            CaseEvent.objects.filter(pk=move.pk).update(at=at)
        Report.objects.filter(pk=report.pk).update(created_at=filed, updated_at=times[-1])
        ReportPhoto.objects.filter(report=report).update(created_at=filed)
        rectified = [t for m, t in zip(moves, times, strict=True) if m.to_status == "rectified"]
        if rectified:  # the after photo came with the rectification
            ReportPhoto.objects.filter(report=report, kind="after").update(created_at=rectified[0])


def _date_event(event: Event, published: dt.datetime) -> dt.datetime:
    """Re-date ``event`` (seeding only) as written a day before ``published`` and
    published then; returns ``published``. No ledger row refers to these times."""
    published = published.replace(microsecond=0)
    rows = Event.objects.filter(pk=event.pk)
    rows.update(created_at=published - dt.timedelta(days=1))
    rows.exclude(published_at=None).update(published_at=published)
    return published


def _signup_times(rng: random.Random, n: int, after: dt.datetime, before: dt.datetime) -> list:
    """``n`` sorted times between ``after`` and ``before``, the order people signed up in
    (so a waitlist's order agrees with its times)."""
    span = max(60, int((before - after).total_seconds()))
    return sorted(after + dt.timedelta(seconds=rng.randrange(span)) for _ in range(n))


def _cost(offer) -> tuple[int, int]:
    return (offer.points_cost, offer.pk)


def _residents(community: Community, limit: int) -> list[User]:
    return list(
        User.objects.filter(role=Role.RESIDENT, community=community, is_active=True)
        .select_related("community")
        .order_by("pk")[:limit]
    )


def sized(full: int, small: int, scale: float) -> int:
    """``full`` items from scale 0.05 up, ``small`` at scale 0.01 and below, linear between."""
    if scale >= 0.05:
        return full
    if scale <= 0.01:
        return small
    return round(small + (full - small) * (scale - 0.01) / 0.04)


# --- the seeder ----------------------------------------------------------------------------


def seed_content(*, town: Town, seed: int, scale: float) -> ContentResult:
    """Fill the apps of a freshly seeded ``town`` through their services; returns the counts.

    Args:
        town: the demo town ``seed_town`` just built (its demo logins present:
            the first resident of Rongcheng, Rongcheng's first community staff,
            the town admin and the first merchant's staff).
        seed: the random seed (the same as ``seed_town``'s).
        scale: 1.0 = full; at 0.01 and below fewer items, at least a few of each kind.

    Raises: whatever a service raises — the demo data is meant to pass every rule,
        so a refusal is a bug in this seeder (and rolls back ``seed_town``).
    """
    began = time.monotonic()
    rng = random.Random(f"demo-content:{seed}")
    tz = town_tz()
    now = timezone.now()
    people = User.objects.filter(town=town)
    admin = people.filter(role=Role.TOWN_ADMIN).order_by("pk").first()
    resident = people.filter(role=Role.RESIDENT).order_by("pk").first()  # 石大姐, 13800000001
    assert admin is not None and resident is not None  # seed_town made them (see Args)
    rongcheng = resident.community
    assert rongcheng is not None
    staff_of = {
        s.community_id: s
        for s in people.filter(role=Role.COMMUNITY_STAFF).order_by("-pk")  # first one wins
    }
    communities = list(Community.objects.filter(town=town).order_by("pk"))
    rc_people = [p for p in _residents(rongcheng, 400) if p.pk != resident.pk]
    others = [p for c in communities if c.pk != rongcheng.pk for p in _residents(c, 60)]

    n_articles = sized(10, 4, scale) + 1  # town-wide ones and Rongcheng's
    made = {"comments": 0, "likes": 0}

    # --- articles: town-wide over the last two weeks, one for Rongcheng ---------------------
    written = []
    n_covers = sized(n_articles, 1, scale)  # small test towns: one (photos cost CPU)
    for i, (title, body) in enumerate(ARTICLES[: n_articles - 1] + [ARTICLES[-1]]):
        rongcheng_only = i == n_articles - 1
        published = now - dt.timedelta(days=14 * (n_articles - 1 - i) / n_articles)
        published -= dt.timedelta(minutes=rng.randint(30, 600))
        written.append(
            article_create(
                actor=staff_of[rongcheng.pk] if rongcheng_only else admin,
                title=title,
                body_markdown=body,
                community=rongcheng if rongcheng_only else None,
                published_at=published,
                cover=(
                    upload(pictures.cover(f"{seed}:{title}"), "cover.jpg") if i < n_covers else None
                ),
            )
        )
    readers = [resident] + rng.sample(rc_people + others, min(len(rc_people + others), 40))
    for reader in readers:
        for article in rng.sample(written, rng.randint(1, 3)):
            if article.community_id in (None, reader.community_id):
                article_read(reader=reader, article_id=article.pk)

    # --- posts: approved with comments and likes, a few pending for Rongcheng's staff --------
    sections = {s.code: s for s in posts.sections_ensure_defaults(town.pk)}
    n_posts = sized(40, 14, scale)
    pool = [("good_deeds", *t) for t in GOOD_DEEDS] + [
        ("neighbour_help", *t) for t in NEIGHBOUR_HELP
    ]
    rng.shuffle(pool)
    plan = [(resident, *t) for t in DEMO_POSTS]
    for k, item in enumerate(pool[: max(0, n_posts - len(plan))]):
        author = rng.choice(rc_people if k % 2 == 0 or not others else others)
        plan.append((author, *item))
    approved = []
    with_photos = sized(20, 1, scale)
    for k, (author, section, title, body) in enumerate(plan):
        claim = None
        if section == "neighbour_help" and (author == resident or rng.random() < 0.4):
            claim = "helping_neighbour"  # staff confirm it on approval (10 points)
        photos = []
        if k < with_photos:  # a photo (two now and then) of what the post tells
            kinds = PHOTO_KINDS[section]
            for n in range(1 + (k % 5 == 3)):
                label = f"{seed}:post:{k}:{n}"
                photos.append(upload(pictures.scene(label, kinds[(k + n) % len(kinds)]), "p.jpg"))
        post = posts.post_create(
            author=author,
            section=sections[section],
            title=title,
            body=body,
            claimed_rule_code=claim,
            photos=photos,
        )
        approved.append(posts.post_approve(actor=staff_of[author.community_id], post=post))
    likers = rc_people[:80] + others[:80]
    for post in approved:
        for liker in rng.sample(likers, min(len(likers), rng.randint(0, 12))):
            if liker.pk != post.author_id:
                posts.like_toggle(user=liker, post=post)
                made["likes"] += 1
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            posts.comment_add(author=rng.choice(likers), post=post, body=rng.choice(COMMENTS))
            made["comments"] += 1
    _spread_post_times(approved, random.Random(f"demo-times:{seed}"), now)
    n_pending = sized(4, 3, scale)
    pending = [(rng.choice(rc_people), *t) for t in PENDING_POSTS[: n_pending - 1]]
    pending.append((resident, *DEMO_PENDING))
    for author, section, title, body in pending:
        posts.post_create(author=author, section=sections[section], title=title, body=body)

    # --- reports: every workflow state, mostly in Rongcheng ---------------------------------
    categories = {c.code: c for c in reports.categories_ensure_defaults(town.pk)}
    n_reports = sized(len(REPORTS), 6, scale)
    filed: list[Report] = []
    workers = {  # a grid worker acts only in their own grid
        w.grid_id: w
        for w in people.filter(role=Role.GRID_WORKER).order_by("-pk")  # first one wins
    }
    for k, (category, place, body, state) in enumerate(REPORTS[:n_reports]):
        in_rongcheng = place.startswith(rongcheng.name)
        if k == 1:
            reporter = resident  # the demo resident's report was accepted (and earned points)
        elif in_rongcheng or not others:
            reporter = rng.choice(rc_people)
        else:
            name = place[: place.index("社区") + 2]
            reporter = next(
                (p for p in others if p.community and p.community.name == name),
                rng.choice(others),
            )
        category_row = categories.get(category) or ReportCategory.objects.for_town(town.pk).first()
        assert category_row is not None  # categories_ensure_defaults made them
        report = reports.report_file(
            reporter=reporter,
            category=category_row,
            place=place,
            body=body,
            photos=[_jpeg(rng, f"report-{k}")],
        )
        filed.append(report)
        staff = staff_of[reporter.community_id]
        if state == "rejected":
            reports.report_reject(
                actor=staff, report=report, reason="经核实属于允许的装修时段，已提醒施工方注意。"
            )
            continue
        if state == "submitted":
            continue
        report = reports.report_accept(actor=staff, report=report, note="已核实，谢谢反映。")
        if state == "accepted":
            continue
        worker = workers.get(reporter.grid_id)
        report = reports.report_assign(
            actor=staff,
            report=report,
            assignee=worker,
            responsible_party="" if worker else "社区物业",
            note="请网格员跟进处理。",
        )
        if state == "assigned":
            continue
        report = reports.report_rectify(
            actor=worker or staff,
            report=report,
            after_photo=_jpeg(rng, f"after-{k}"),
            note="已整改。",
        )
        if state == "closed":
            reports.report_close(actor=staff, report=report, note="居民确认已整改，结案。")
    _spread_report_times(
        list(Report.objects.filter(pk__in=[r.pk for r in filed])),
        random.Random(f"demo-report-times:{seed}"),
        now,
    )

    # --- events ----------------------------------------------------------------------------
    rc_staff = staff_of[rongcheng.pk]
    today = local_date(now)

    def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), tz)

    cleanup = events.event_create(
        actor=rc_staff,
        title="融城社区环境卫生大扫除",
        place="融城社区服务站门口集合",
        description="清理楼道杂物、绿化带垃圾和小广告。工具由社区提供，请穿方便活动的衣服。",
        starts_at=at(3, 9),
        ends_at=at(3, 11, 30),
        signup_deadline=at(2, 20),
        capacity=30,
        rule=rule_get("sanitation_drive", town_id=town.pk),
    )
    events.event_publish(actor=rc_staff, event=cleanup)
    # Events were written and published days ago and signed up for since (times drawn
    # from their own generator so the seeded picks stay as they were for a seed).
    times_rng = random.Random(f"demo-event-times:{seed}")
    opened = _date_event(cleanup, now - dt.timedelta(days=9, hours=times_rng.randint(0, 8)))
    sweepers = [resident] + rng.sample(rc_people, min(len(rc_people), sized(12, 5, scale)))
    for p, when in zip(sweepers, _signup_times(times_rng, len(sweepers), opened, now), strict=True):
        events.event_sign_up(resident=p, event=cleanup, at=when)

    capacity = sized(8, 3, scale)
    clinic = events.event_create(
        actor=admin,
        title="义诊进社区志愿服务",
        place="巴桥镇卫生院门诊楼前",
        description="协助卫生院医生为老人量血压、登记信息、维持秩序。名额有限，满员后进入候补。",
        starts_at=at(6, 8, 30),
        ends_at=at(6, 12),
        signup_deadline=at(5, 18),
        capacity=capacity,
        rule=rule_get("volunteer_service", town_id=town.pk),
    )
    events.event_publish(actor=admin, event=clinic)
    opened = _date_event(clinic, now - dt.timedelta(days=5, hours=times_rng.randint(0, 8)))
    helpers = rng.sample(rc_people + others, min(len(rc_people + others), capacity + 3))
    for p, when in zip(helpers, _signup_times(times_rng, len(helpers), opened, now), strict=True):
        events.event_sign_up(resident=p, event=clinic, at=when)

    # A patrol five evenings ago: sign-ups before it, check-ins by card during it,
    # completed now (the awards are today's ledger rows; their caps use today).
    patrol = events.event_create(
        actor=rc_staff,
        title="融城社区夜间治安巡逻",
        place="融城社区警务室",
        description="跟随网格员和社区民警巡查小区道路、电动车充电点和楼道消防通道。",
        starts_at=at(-5, 19),
        ends_at=at(-5, 22),
        signup_deadline=at(-6, 20),
        capacity=15,
        rule=rule_get("event_attendance_hour", town_id=town.pk),
        award_mode=AwardMode.PER_HOUR,
        max_hours=3,
    )
    events.event_publish(actor=rc_staff, event=patrol)
    _date_event(patrol, at(-12, 10))
    walkers = [resident] + rng.sample(rc_people, min(len(rc_people), sized(10, 4, scale)))
    for p in walkers:
        events.event_sign_up(resident=p, event=patrol, at=at(-8, rng.randint(8, 21)))
    for p in walkers[:-1]:  # the last one did not come
        token = resident_card_token(p)
        events.event_check_in_by_card(
            actor=rc_staff, event=patrol, token=token, at=at(-5, 18, rng.randint(45, 59))
        )
        events.event_check_out_by_card(
            actor=rc_staff,
            event=patrol,
            token=token,
            at=at(-5, 22) if p == resident else at(-5, rng.choice((20, 21, 22))),
        )
    events.event_complete(actor=rc_staff, event=patrol)

    draft = events.event_create(
        actor=admin,
        title="重阳节敬老文艺汇演",
        place="巴桥镇文化广场",
        description="招募节目和现场服务志愿者，详细安排确定后发布。",
        starts_at=at(20, 14),
        ends_at=at(20, 17),
        signup_deadline=at(18, 18),
        capacity=60,
        rule=rule_get("volunteer_service", town_id=town.pk),
    )
    _date_event(draft, now - dt.timedelta(hours=times_rng.randint(24, 72)))
    if scale > 0.01:
        publicity = events.event_create(
            actor=rc_staff,
            title="反诈宣传进楼栋",
            place="融城社区各楼栋",
            description="两人一组入户发放反诈宣传资料，讲解常见骗局。",
            starts_at=at(10, 15),
            ends_at=at(10, 17),
            signup_deadline=at(9, 20),
            capacity=12,
            rule=rule_get("policy_publicity", town_id=town.pk),
        )
        events.event_publish(actor=rc_staff, event=publicity)
        opened = _date_event(publicity, now - dt.timedelta(days=2, hours=times_rng.randint(0, 8)))
        team = rng.sample(rc_people, min(len(rc_people), 4))
        for p, when in zip(team, _signup_times(times_rng, len(team), opened, now), strict=True):
            events.event_sign_up(resident=p, event=publicity, at=when)

    # --- merchants: one offer each, the demo resident's vouchers -----------------------------
    shop_staff = people.filter(role=Role.MERCHANT_STAFF).order_by("pk").first()
    assert shop_staff is not None  # seed_town made the first merchant's staff
    shops = list(Merchant.objects.filter(town=town, status=Merchant.Status.APPROVED).order_by("pk"))
    offers, haircut = [], None
    for shop in shops:
        title, description, price, discount, cost = OFFERS.get(
            shop.category, ("到店优惠券", "到店消费可用。", 3000, 500, 50)
        )
        merchant_id: int | None  # the town admin names the merchant; its staff need not
        if shop.pk == shop_staff.merchant_id:  # the story's haircut: 35 yuan, 5 off
            actor, merchant_id, limit = shop_staff, None, 2
        else:
            actor, merchant_id, limit = admin, shop.pk, 1
            price += rng.randrange(0, 6) * 100
        offer = merchants.offer_create(
            actor=actor,
            title=title,
            description=description,
            price_fen=price,
            discount_fen=discount,
            points_cost=cost,
            stock=rng.randrange(20, 201, 10),
            per_resident_limit=limit,
            valid_from=today - dt.timedelta(days=rng.randint(3, 30)),
            valid_until=today + dt.timedelta(days=rng.randint(60, 120)),
            merchant_id=merchant_id,
        )
        offers.append(offer)
        # written on its first valid day (seeding only; offers have no ledger rows)
        opens = dt.time(9, times_rng.randint(0, 59))
        Offer.objects.filter(pk=offer.pk).update(
            created_at=dt.datetime.combine(offer.valid_from, opens, tz)
        )
        if actor is shop_staff:
            haircut = offer
    # The haircut of the story, redeemed at 叶子发艺, then the cheapest other offer, kept.
    # Her balance comes from the bulk history and the content above (patrol hours,
    # posts, report, reading); a seed that leaves her short gets fewer vouchers.
    assert haircut is not None  # shop_staff's merchant is the first, approved one
    vouchers = 0
    second = min((o for o in offers if o is not haircut), default=haircut, key=_cost)
    for offer, key in ((haircut, "haircut"), (second, "second")):
        try:
            voucher = merchants.voucher_exchange(
                resident=resident, offer_id=offer.pk, idempotency_key=f"demo-{seed}-{key}"
            )
        except InsufficientPoints:
            break
        vouchers += 1
        if key == "haircut":
            merchants.voucher_redeem(actor=shop_staff, code=voucher.code)

    return ContentResult(
        articles=len(written),
        posts_approved=len(approved),
        posts_pending=len(pending),
        comments=made["comments"],
        likes=made["likes"],
        reports=n_reports,
        events=Event.objects.filter(town=town).count(),
        offers=len(offers),
        vouchers=vouchers,
        seconds=time.monotonic() - began,
    )
